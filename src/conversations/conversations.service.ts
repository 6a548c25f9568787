import { Injectable } from '@nestjs/common';
import { messageIdFloor, pairKey } from '@app/protocol';
import { AppConfig } from '../config';
import { decodeCursor, readPage } from '../common/pagination';
import { MessagesRepository } from '../messages/messages.repository';
import { Conversation } from './conversation.schema';
import { ConversationsRepository } from './conversations.repository';
import { ConversationPageResponse, ConversationResponse } from './dto/conversation.response';
import { GroupMemberships, MemberGroup } from './group-memberships';
import { ReadStateRepository } from '../receipts/read-state.repository';
import { ReadState } from '../receipts/read-state.schema';
import { unreadCount } from '../receipts/unread';

@Injectable()
export class ConversationsService {
  constructor(
    private readonly repository: ConversationsRepository,
    private readonly messages: MessagesRepository,
    private readonly groups: GroupMemberships,
    private readonly readStates: ReadStateRepository,
    private readonly config: AppConfig,
  ) {}

  /**
   * A user's conversations, most recent activity first: direct ones and their groups' (one summary
   * per group, `peer` the group id). The unread count is the messages of others after the user's
   * read position (docs/receipts.md); in a group also only since the user joined (with
   * GROUP_HISTORY_FOR_NEW_MEMBERS=all: since it began). A direct conversation never read keeps the
   * summary's running count; anything else is counted for the page, when a message may be unread.
   */
  async list(owner: string, limit: number, cursor?: string): Promise<ConversationPageResponse> {
    const after = cursor ? decodeCursor<{ t: number; id: string }>(cursor, { t: 'number', id: 'string' }) : undefined;
    const { appId } = this.config;
    const memberOf = new Map((await this.groups.of(owner)).map((g) => [g.groupId, g]));
    const page = await readPage(
      limit,
      async (rows) => {
        const query = { appId, owner, limit: rows, cursor: after && { updatedAt: after.t, id: after.id } };
        const [direct, grouped] = await Promise.all([
          this.repository.page(query),
          memberOf.size > 0 ? this.repository.page({ ...query, groups: [...memberOf.keys()] }) : [],
        ]);
        return [...direct, ...grouped].sort(byRecency).slice(0, rows);
      },
      (c): Conversation => c,
      (last) => ({ t: last.updated_at, id: last._id }),
    );
    const states = await this.readStates.of(owner, page.items.map((c) => c.peer));
    const items = await Promise.all(page.items.map((c) => this.toResponse(owner, c, memberOf.get(c.peer), states.get(c.peer))));
    return { items, next_cursor: page.next_cursor };
  }

  private async toResponse(owner: string, c: Conversation, group: MemberGroup | undefined, state: ReadState | undefined): Promise<ConversationResponse> {
    const item = { peer: c.peer, last_message: c.last_message, updated_at: c.updated_at, unread_count: c.unread_count };
    if (!group && !state?.read_up_to) return item;
    const floor = group && messageIdFloor(this.config.groups.historyForNewMembers === 'since_join' ? group.joinedAt : group.createdAt);
    const pair = group ? c.peer : pairKey(owner, c.peer);
    const unread = await unreadCount(this.messages, { appId: this.config.appId, owner, pair, readUpTo: state?.read_up_to, lastMessageId: c.last_message.message_id, floor });
    return { ...item, unread_count: unread };
  }
}

/** Most recent first; ties by id, as the repository pages them. */
function byRecency(a: Conversation, b: Conversation): number {
  return b.updated_at - a.updated_at || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0);
}
