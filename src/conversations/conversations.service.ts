import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config';
import { decodeCursor, readPage } from '../common/pagination';
import { ConversationsRepository } from './conversations.repository';
import { ConversationPageResponse } from './dto/conversation.response';

@Injectable()
export class ConversationsService {
  constructor(
    private readonly repository: ConversationsRepository,
    private readonly config: AppConfig,
  ) {}

  /** A user's conversations, most recent activity first. */
  async list(owner: string, limit: number, cursor?: string): Promise<ConversationPageResponse> {
    const after = cursor ? decodeCursor<{ t: number; id: string }>(cursor, { t: 'number', id: 'string' }) : undefined;
    return readPage(
      limit,
      (rows) => this.repository.page({ appId: this.config.appId, owner, limit: rows, cursor: after && { updatedAt: after.t, id: after.id } }),
      (c) => ({ peer: c.peer, last_message: c.last_message, updated_at: c.updated_at, unread_count: c.unread_count }),
      (last) => ({ t: last.updated_at, id: last._id }),
    );
  }
}
