import { Injectable, Logger } from '@nestjs/common';
import { PublishRequest } from '@app/amqp-transport';
import { DeliveredMessage, GroupEvent, GroupEventAttributes, groupNotice, GroupState, messageIdFloor, newMessageId, SYSTEM_SENDER, TopicLayout } from '@app/protocol';
import { AppConfig } from '../config';
import { ConversationWriter } from '../conversations/conversation-writer';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { toDelivered } from '../messages/message.mapper';
import { MessageRecord } from '../messages/message.record';
import { MessagesRepository } from '../messages/messages.repository';
import { audienceOf, GroupChange } from './group.rules';

/**
 * Tells a group's members of a change, after it is stored: each event becomes a system message in
 * the group's timeline (type `system`, stored and delivered like a group message), and every
 * member, and every user the change removed, gets the group's new state on `clientupdated` (or
 * `clientdeleted`). With GROUP_HISTORY_FOR_NEW_MEMBERS=all, a new member first gets the latest
 * GROUP_HISTORY_REPLAY messages, marked `history: true`.
 */
@Injectable()
export class GroupNotices {
  private readonly logger = new Logger(GroupNotices.name);

  constructor(
    private readonly config: AppConfig,
    private readonly topics: TopicLayout,
    private readonly messages: MessagesRepository,
    private readonly delivery: DeliveryPublisher,
    private readonly conversations: ConversationWriter,
  ) {}

  async publish(change: GroupChange): Promise<void> {
    if (change.events.length === 0) return;
    const groupId = (change.after ?? change.before)!.group_id;
    const audience = audienceOf(change);
    const replay = change.before ? await this.replayFor(change.before, change.joined) : [];
    const records = change.events.map((event) => this.systemRecord(groupId, event));
    const { refused } = await this.messages.insertBatch(records);
    if (refused.size > 0) throw new Error(`the database refused a system message: ${[...refused.values()][0]}`);

    const requests = [
      ...replay,
      ...records.flatMap((r) => this.delivery.deliveryRequests(toDelivered(r, this.config.appId), audience)),
      ...this.stateNotices(change, audience),
    ];
    await this.delivery.publishAll(requests);
    const last = records[records.length - 1];
    this.conversations.recordGroupMessage(this.config.appId, groupId, { message_id: last._id, sender: last.sender, type: last.type, text: last.text, timestamp: last.timestamp });
    this.logger.log({ group_id: groupId, events: change.events.map((e) => e.event), audience: audience.length }, 'group changed');
  }

  /** The new state (members listed up to GROUP_WIRE_MEMBER_LIMIT) to everyone who hears of the change; `clientdeleted` when the group is gone. */
  private stateNotices(change: GroupChange, audience: string[]): PublishRequest[] {
    const timestamp = Date.now();
    if (!change.after) {
      const groupId = change.before!.group_id;
      const deleted = this.delivery.body({ group_id: groupId, timestamp });
      return audience.map((user) => this.delivery.requestTo(this.topics.groupDeleted(user, groupId), deleted));
    }
    const groupId = change.after.group_id;
    const notice = this.delivery.body(groupNotice(change.after));
    return audience.map((user) => this.delivery.requestTo(this.topics.groupUpdated(user, groupId), notice));
  }

  /** The latest messages, oldest first, as history copies to each new member (GROUP_HISTORY_FOR_NEW_MEMBERS=all). */
  private async replayFor(group: GroupState, joined: string[]): Promise<PublishRequest[]> {
    const { historyForNewMembers, historyReplay } = this.config.groups;
    if (joined.length === 0 || historyForNewMembers !== 'all' || historyReplay === 0) return [];
    // Only this group's messages: an earlier group of the same id (deleted, the id taken again) stays unseen.
    const after = messageIdFloor(group.created_at);
    const latest = await this.messages.history({ appId: this.config.appId, pair: group.group_id, limit: historyReplay, order: 'desc', after });
    return latest.reverse().flatMap((r) => {
      const copy: Omit<DeliveredMessage, 'status'> = { ...toDelivered(r, this.config.appId), history: true };
      return this.delivery.deliveryRequests(copy, joined);
    });
  }

  private systemRecord(groupId: string, event: GroupEventAttributes): MessageRecord {
    const timestamp = Date.now();
    const id = newMessageId(timestamp);
    return {
      _id: id,
      app_id: this.config.appId,
      pair: groupId,
      channel_type: 'group',
      sender: SYSTEM_SENDER,
      recipient: groupId,
      type: 'system',
      text: describe(event),
      dedupe_key: `~${id}`,
      attributes: { ...event },
      timestamp,
    };
  }
}

/** A line a client without special handling can show. */
function describe(e: GroupEventAttributes): string {
  switch (e.event) {
    case GroupEvent.GROUP_CREATED:
      return `${e.by} created the group${e.name ? ` "${e.name}"` : ''}`;
    case GroupEvent.MEMBER_JOINED:
      return `${e.by} added ${(e.members ?? []).join(', ')}`;
    case GroupEvent.MEMBER_LEFT:
      return `${e.member_id} left the group`;
    case GroupEvent.MEMBER_REMOVED:
      return `${e.by} removed ${e.member_id}`;
    case GroupEvent.GROUP_UPDATED:
      return e.name ? `${e.by} renamed the group "${e.name}"` : `${e.by} changed the group`;
    case GroupEvent.ROLE_CHANGED:
      return `${e.by} made ${e.member_id} ${e.role === 'admin' ? 'an admin' : 'a member'}`;
    case GroupEvent.OWNER_CHANGED:
      return `${e.member_id} now owns the group`;
    case GroupEvent.GROUP_DELETED:
      return `${e.by} deleted the group`;
  }
}
