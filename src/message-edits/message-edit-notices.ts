import { Injectable } from '@nestjs/common';
import { MessageDeletedNotice, MessageEditedNotice, TopicLayout } from '@app/protocol';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { MessageRecord } from '../messages/message.record';

/**
 * Tells a changed message's audience: in a direct conversation both parties, each on their own
 * inbox's shape (`{owner}/{peer}/messages/{id}/clientupdated` with peer the other one), which also
 * reaches the sender's other devices; in a group every current member on `{member}/{groupId}/...`.
 * `clientupdated` after an edit (with the new text), `clientdeleted` after a delete (no content).
 */
@Injectable()
export class MessageEditNotices {
  constructor(
    private readonly topics: TopicLayout,
    private readonly delivery: DeliveryPublisher,
  ) {}

  /** `members`: a group message's audience (none for a message of a group that is gone). */
  async publish(message: MessageRecord, members: Iterable<string> = []): Promise<void> {
    const body = this.delivery.body(noticeOf(message, Date.now()));
    const topic = message.deleted_at !== undefined ? this.topics.messageDeleted.bind(this.topics) : this.topics.messageUpdated.bind(this.topics);
    const inboxes: Array<[owner: string, peer: string]> =
      message.channel_type === 'group'
        ? [...members].map((member) => [member, message.recipient])
        : message.sender === message.recipient
          ? [[message.sender, message.recipient]]
          : [
              [message.sender, message.recipient],
              [message.recipient, message.sender],
            ];
    if (inboxes.length === 0) return;
    await this.delivery.publishAll(inboxes.map(([owner, peer]) => this.delivery.requestTo(topic(owner, peer, message._id), body)));
  }
}

/** The notice of a changed message: its new text, or that it was deleted. */
export function noticeOf(message: MessageRecord, timestamp: number): MessageEditedNotice | MessageDeletedNotice {
  const { _id: message_id, sender, recipient } = message;
  if (message.deleted_at !== undefined) return { message_id, sender, recipient, deleted_at: message.deleted_at, timestamp };
  return { message_id, sender, recipient, text: message.text, edited_at: message.edited_at ?? timestamp, timestamp };
}
