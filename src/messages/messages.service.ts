import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AmqpPublisher } from '@app/amqp-transport';
import { MQTT_EXCHANGE, mqttToAmqp, pairKey, TopicLayout } from '@app/protocol';
import { AppConfig } from '../config';
import { DomainError, ErrorCode } from '../common/errors';
import { decodeCursor, encodeCursor, readPage } from '../common/pagination';
import { ReadStateRepository } from '../receipts/read-state.repository';
import { ReadState } from '../receipts/read-state.schema';
import { HistoryPageResponse, MessagePageResponse, SendMessageResponse } from './dto/message.response';
import { SendMessageDto } from './dto/send-message.dto';
import { toHistoryItem } from './message.mapper';
import { MessagesRepository } from './messages.repository';

/** Which page of a conversation: from a cursor in an order, or centred `around` a message. */
export interface HistoryRequest {
  limit: number;
  order: 'asc' | 'desc';
  cursor?: string;
  /** A message id: the page centred on it (it, up to half a page older and the rest newer). */
  around?: string;
}

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
  async history(user: string, peer: string, request: HistoryRequest): Promise<HistoryPageResponse> {
    const [page, mine, theirs] = await Promise.all([
      this.page(pairKey(user, peer), request),
      this.readStates.of(user, [peer]).then((m) => m.get(peer)),
      this.readStates.of(peer, [user]).then((m) => m.get(user)),
    ]);
    const items = page.items.map((m) => ({ ...m, receipt: receiptOf(m.message_id, m.sender === user ? theirs : mine) }));
    return { ...page, items };
  }

  /**
   * One page of a conversation's messages (`pair`: two users' pairKey, or a group's id), in time
   * order; with `floor`, only messages with a larger id (made after the time it stands for).
   */
  page(pair: string, { limit, order, cursor, around }: HistoryRequest, floor?: string): Promise<MessagePageResponse> {
    if (around !== undefined) return this.pageAround(pair, { limit, order, cursor, around }, floor);
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
   * The page centred on a message of the conversation: (limit - 1) / 2 older messages, it, and
   * newer ones for the rest (fewer on a side that has fewer, more on the other), in `order`. `next_cursor` goes on in `order`, `prev_cursor` the
   * other way (passed as `cursor` with the opposite order): a cursor is a position, not a direction.
   * MESSAGE_NOT_FOUND when the message is not one of this conversation that the reader may see.
   */
  private async pageAround(pair: string, { limit, order, cursor, around }: Required<Omit<HistoryRequest, 'cursor'>> & { cursor?: string }, floor?: string): Promise<MessagePageResponse> {
    if (cursor !== undefined) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'around and cursor exclude each other: page on with the around page\'s next_cursor or prev_cursor');
    const { appId } = this.config;
    const target = await this.repository.findById(appId, around);
    if (!target || target.pair !== pair || (floor !== undefined && target._id <= floor)) {
      throw new DomainError(ErrorCode.MESSAGE_NOT_FOUND, `message ${around} is not in this conversation`);
    }
    // Up to a page each way (one row more tells whether a page follows on that side); a side that
    // has fewer leaves its share to the other, so a page is short only when the whole conversation is.
    const [older, newer] = await Promise.all([
      this.repository.history({ appId, pair, order: 'desc', before: around, after: floor, limit }),
      this.repository.history({ appId, pair, order: 'asc', after: around, limit }),
    ]);
    const others = limit - 1;
    const olderCount = Math.min(older.length, Math.max(Math.floor(others / 2), others - newer.length));
    const newerCount = Math.min(newer.length, others - olderCount);
    const rows = [...older.slice(0, olderCount).reverse(), target, ...newer.slice(0, newerCount)];
    const toOlder = older.length > olderCount ? encodeCursor({ id: rows[0]._id }) : null;
    const toNewer = newer.length > newerCount ? encodeCursor({ id: rows[rows.length - 1]._id }) : null;
    const items = rows.map(toHistoryItem);
    return order === 'asc' ? { items, next_cursor: toNewer, prev_cursor: toOlder } : { items: items.reverse(), next_cursor: toOlder, prev_cursor: toNewer };
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
