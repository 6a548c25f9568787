import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AmqpPublisher } from '@app/amqp-transport';
import { MQTT_EXCHANGE, mqttToAmqp, pairKey, TopicLayout } from '@app/protocol';
import { AppConfig } from '../config';
import { DomainError, ErrorCode } from '../common/errors';
import { decodeCursor, readPage } from '../common/pagination';
import { ReadStateRepository } from '../receipts/read-state.repository';
import { ReadState } from '../receipts/read-state.schema';
import { HistoryPageResponse, MessagePageResponse, SendMessageResponse } from './dto/message.response';
import { SendMessageDto } from './dto/send-message.dto';
import { toHistoryItem } from './message.mapper';
import { MessagesRepository } from './messages.repository';

@Injectable()
export class MessagesService {
  constructor(
    private readonly repository: MessagesRepository,
    private readonly readStates: ReadStateRepository,
    private readonly publisher: AmqpPublisher,
    private readonly topics: TopicLayout,
    private readonly config: AppConfig,
  ) {}

  /** One page of the conversation between two users, in time order, each message with how far its recipient got. */
  async history(user: string, peer: string, limit: number, order: 'asc' | 'desc', cursor?: string): Promise<HistoryPageResponse> {
    const [page, mine, theirs] = await Promise.all([
      this.page(pairKey(user, peer), limit, order, cursor),
      this.readStates.of(user, [peer]).then((m) => m.get(peer)),
      this.readStates.of(peer, [user]).then((m) => m.get(user)),
    ]);
    const items = page.items.map((m) => ({ ...m, receipt: receiptOf(m.message_id, m.sender === user ? theirs : mine) }));
    return { items, next_cursor: page.next_cursor };
  }

  /**
   * One page of a conversation's messages (`pair`: two users' pairKey, or a group's id), in time
   * order; with `floor`, only messages with a larger id (made after the time it stands for).
   */
  page(pair: string, limit: number, order: 'asc' | 'desc', cursor?: string, floor?: string): Promise<MessagePageResponse> {
    const from = cursor ? decodeCursor<{ id: string }>(cursor, { id: 'string' }).id : undefined;
    const after = order === 'asc' ? maxId(from, floor) : floor;
    const before = order === 'desc' ? from : undefined;
    return readPage(
      limit,
      (rows) => this.repository.history({ appId: this.config.appId, pair, limit: rows, order, after, before }),
      toHistoryItem,
      (last) => ({ id: last._id }),
    );
  }

  /**
   * Sends a message as a user (or the system sender) through the same pipeline as a client:
   * it is published to the sender's outgoing topic and the engine consumes it from there.
   */
  async send(dto: SendMessageDto): Promise<SendMessageResponse> {
    const { sender = this.config.systemSenderId, recipient, ...fields } = dto;
    const client_message_id = dto.client_message_id ?? `admin-${randomUUID()}`;
    const topic = this.topics.outgoing(sender, recipient);
    try {
      await this.publisher.publish({
        exchange: MQTT_EXCHANGE,
        routingKey: mqttToAmqp(topic),
        body: Buffer.from(JSON.stringify({ ...fields, client_message_id })),
        options: { persistent: true, contentType: 'application/json' },
      });
    } catch (err) {
      throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `the broker did not accept the message: ${(err as Error).message}`);
    }
    return { client_message_id, sender, recipient, topic };
  }
}

/** The stored record without its storage keys (app_id, pair, dedupe_key). */

function maxId(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

/** How far a message's recipient got, from the recipient's positions in the conversation. */
function receiptOf(messageId: string, recipient: ReadState | undefined): 'sent' | 'delivered' | 'read' {
  if (recipient?.read_up_to && recipient.read_up_to >= messageId) return 'read';
  if (recipient?.delivered_up_to && recipient.delivered_up_to >= messageId) return 'delivered';
  return 'sent';
}
