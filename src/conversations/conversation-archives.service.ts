import { Injectable, Logger } from '@nestjs/common';
import { ConversationNotice, isValidGroupId, TopicLayout } from '@app/protocol';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig } from '../config';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { ConversationArchivesRepository } from './conversation-archives.repository';
import { ConversationSummaries } from './conversation-summaries';
import { GroupMemberships } from './group-memberships';

/**
 * Archiving a conversation (docs/receipts.md#archive), for both doors: a user's command
 * (pipeline) and the admin API. A mark keeps the time of the archive; the conversation counts as
 * archived while its last message is older than that, so a new message (sent or received, direct
 * or in a group) brings it back without a write. Each change is told to all the user's devices.
 */
@Injectable()
export class ConversationArchivesService {
  private readonly logger = new Logger(ConversationArchivesService.name);

  constructor(
    private readonly archives: ConversationArchivesRepository,
    private readonly conversations: ConversationSummaries,
    private readonly groups: GroupMemberships,
    private readonly delivery: DeliveryPublisher,
    private readonly topics: TopicLayout,
    private readonly config: AppConfig,
  ) {}

  /** Archives the conversation (again: a later mark); MESSAGE_NOT_FOUND when it is no conversation of the owner's. */
  async archive(owner: string, peer: string): Promise<ConversationNotice> {
    const lastMessageAt = await this.lastMessageAt(owner, peer);
    const now = Date.now();
    // Later than the last message even if it carries this very millisecond (or a clock ahead of ours).
    await this.archives.set(this.config.appId, owner, peer, Math.max(now, lastMessageAt + 1));
    return this.tell(owner, peer, true, now);
  }

  /** Brings the conversation back (also when it was not archived); MESSAGE_NOT_FOUND as for archive. */
  async unarchive(owner: string, peer: string): Promise<ConversationNotice> {
    await this.lastMessageAt(owner, peer);
    await this.archives.delete(this.config.appId, owner, peer);
    return this.tell(owner, peer, false, Date.now());
  }

  /**
   * The time of the conversation's last message as its summary has it (0 for a group of the
   * user's with none yet). A direct conversation exists once its summary does (written behind the
   * pipeline, within a second or so of its first message); a group's is the user's while they are
   * a member. Both reads go by `_id`.
   */
  private async lastMessageAt(owner: string, peer: string): Promise<number> {
    const { appId } = this.config;
    if (isValidGroupId(peer)) {
      if (!(await this.groups.isMember(owner, peer))) throw unknownConversation(peer);
      return (await this.conversations.findOne(appId, peer, peer))?.updated_at ?? 0;
    }
    const summary = await this.conversations.findOne(appId, owner, peer);
    if (!summary) throw unknownConversation(peer);
    return summary.updated_at;
  }

  private async tell(owner: string, peer: string, archived: boolean, timestamp: number): Promise<ConversationNotice> {
    const notice: ConversationNotice = { peer, archived, timestamp };
    await this.delivery.publishTo(this.topics.conversationUpdated(owner, peer), notice);
    this.logger.log({ user_id: owner, peer, archived }, archived ? 'conversation archived' : 'conversation unarchived');
    return notice;
  }
}

function unknownConversation(peer: string): DomainError {
  return new DomainError(ErrorCode.MESSAGE_NOT_FOUND, `no conversation with ${peer}: no message between you yet, or not a member of the group`);
}
