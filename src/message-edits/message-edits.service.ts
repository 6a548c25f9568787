import { Injectable, Logger } from '@nestjs/common';
import { isValidGroupId, messageIdFloor, MessageUpdate } from '@app/protocol';
import { KeyedQueue } from '../common/async';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig } from '../config';
import { ConversationWriter } from '../conversations/conversation-writer';
import { GroupsRepository } from '../groups/groups.repository';
import { MessageRecord } from '../messages/message.record';
import { MessagesRepository } from '../messages/messages.repository';
import { applyChange, decideUpdate, EditActor, EditConversation } from './message-edit.rules';
import { MessageEditNotices } from './message-edit-notices';

/** Changes computed again when another change of the same message was stored first (another engine instance). */
const MAX_ATTEMPTS = 5;

/** Who asks for an update: a user from their client, on their topic's conversation (`peer`: a user or a group), or an admin. */
export type UpdateRequester = { kind: 'user'; userId: string; peer: string } | { kind: 'admin' };

/** The message as the update left it (`deleted_at` or `edited_at` set). */
export type UpdatedMessage = Pick<MessageRecord, '_id' | 'edited_at' | 'deleted_at'>;

/**
 * Edits and deletes of stored messages (docs/receipts.md, "Edit and delete"), by their senders
 * through the pipeline and by admins through REST. The message is read by `_id` and the rules
 * (message-edit.rules.ts) decide; the change is stored only over the revision it was decided on
 * (decided again otherwise), and the updates of one message run one after the other on an
 * instance, so two never interleave. Then the audience is told (MessageEditNotices) and the
 * conversation summaries whose last message it is follow (ConversationWriter).
 *
 * A delete of a deleted message is answered as the first one was and its notices are sent again:
 * a command retried after the change was stored but before its notices went out still tells everyone.
 */
@Injectable()
export class MessageEditsService {
  private readonly logger = new Logger(MessageEditsService.name);
  private readonly inTurn = new KeyedQueue();

  constructor(
    private readonly config: AppConfig,
    private readonly messages: MessagesRepository,
    private readonly groups: GroupsRepository,
    private readonly notices: MessageEditNotices,
    private readonly conversations: ConversationWriter,
  ) {}

  /** Applies an edit or delete; throws a DomainError with the refusal's code (MESSAGE_NOT_FOUND, NOT_THE_SENDER, EDIT_WINDOW_PASSED...). */
  update(messageId: string, update: MessageUpdate, requester: UpdateRequester): Promise<UpdatedMessage> {
    return this.inTurn.run(messageId, () => this.updateNow(messageId, update, requester));
  }

  private async updateNow(messageId: string, update: MessageUpdate, requester: UpdateRequester): Promise<UpdatedMessage> {
    const { appId } = this.config;
    // A user's group is read first: it says whether the message is of this group, and who hears of the change.
    const group = requester.kind === 'user' && isValidGroupId(requester.peer) ? await this.memberGroup(requester.peer, requester.userId) : undefined;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const message = await this.messages.findById(appId, messageId);
      const actor: EditActor = requester.kind === 'admin' ? requester : { kind: 'user', userId: requester.userId, conversation: conversationOf(requester.peer, group) };
      const decision = decideUpdate(message, update, actor, { now: Date.now(), editWindowMs: this.config.messages.editWindowMs, deleteWindowMs: this.config.messages.deleteWindowMs });
      if (decision.kind === 'refused') throw new DomainError(decision.code, decision.reason);
      const found = message!;
      if (decision.kind === 'already-deleted') {
        await this.tell(found, group);
        return found;
      }
      if (!(await this.messages.change(appId, messageId, found.revision, decision.change))) continue;
      const changed = applyChange(found, decision.change);
      this.logger.log({ message_id: messageId, change: decision.change.kind, by: requester.kind, channel: found.channel_type ?? 'direct' }, 'message changed');
      await this.tell(changed, group);
      this.reviseSummaries(changed);
      return changed;
    }
    throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `message ${messageId} changed ${MAX_ATTEMPTS} times while this change was made; retry`);
  }

  /** The user's group as it is now: refused when it is gone, or when they are not (or no longer) a member. */
  private async memberGroup(groupId: string, userId: string): Promise<GroupView> {
    const group = await this.groupView(groupId);
    if (!group) throw new DomainError(ErrorCode.GROUP_NOT_FOUND, `group ${groupId} does not exist`);
    if (!group.members.includes(userId)) throw new DomainError(ErrorCode.NOT_A_MEMBER, `${userId} is not a member of ${groupId}`);
    return group;
  }

  private async groupView(groupId: string): Promise<GroupView | null> {
    const found = await this.groups.find(this.config.appId, groupId);
    return found ? { createdAt: found.state.created_at, members: found.state.members.map((m) => m.user_id) } : null;
  }

  /** Notices to the message's audience: a group message's current members (none when its group is gone, or is a later one of the same id). */
  private async tell(message: MessageRecord, group: GroupView | undefined): Promise<void> {
    if (message.channel_type !== 'group') return this.notices.publish(message);
    const current = group ?? (await this.groupView(message.recipient));
    const ofThisGroup = current !== null && message._id >= messageIdFloor(current.createdAt);
    await this.notices.publish(message, ofThisGroup ? current.members : []);
  }

  private reviseSummaries(message: MessageRecord): void {
    const { appId } = this.config;
    const last = { message_id: message._id, sender: message.sender, type: message.type, text: message.text, timestamp: message.timestamp };
    const revised = { ...last, ...(message.edited_at !== undefined && { edited_at: message.edited_at }), ...(message.deleted_at !== undefined && { deleted_at: message.deleted_at }) };
    if (message.channel_type === 'group') return this.conversations.reviseMessage(appId, message.recipient, message.recipient, revised);
    this.conversations.reviseMessage(appId, message.sender, message.recipient, revised);
    if (message.sender !== message.recipient) this.conversations.reviseMessage(appId, message.recipient, message.sender, revised);
  }
}

interface GroupView {
  createdAt: number;
  members: string[];
}

function conversationOf(peer: string, group: GroupView | undefined): EditConversation {
  return group ? { kind: 'group', groupId: peer, createdAt: group.createdAt } : { kind: 'direct', peer };
}
