import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { amqpToMqtt, DEAD_LETTER_CODES, RejectionCode } from '@app/protocol';
import { RecentSet } from '../common/cache';
import { AppConfig } from '../config';
import { toDelivered } from '../messages/message.mapper';
import { MessageRecord } from '../messages/message.record';
import { MetricsService } from '../metrics/metrics.service';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { Delivery, Outcome } from './outcome';

export interface MessageUsers {
  sender: string;
  recipient: string;
}

/** Refusals this instance remembers, so that a redelivery of one is not refused (and announced) again. */
const REMEMBERED_REFUSALS = 10_000;

/**
 * What happens to a message the engine does not deliver, as an outcome for the door to apply.
 * Either way it is counted and logged without its text, and nothing is stored. Notices to the
 * sender are broker-confirmed before the door acks, so they are not lost either.
 */
@Injectable()
export class Refusals {
  private readonly logger = new Logger(Refusals.name);
  /** Fingerprints of the messages refused to the end (dead-lettered and told) by this instance. */
  private readonly refused = new RecentSet(REMEMBERED_REFUSALS);

  constructor(
    private readonly config: AppConfig,
    private readonly delivery: DeliveryPublisher,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Tells the sender on `clientrejected` (when the topic names one); dead-letters what can never
   * succeed. A dead-lettered message's notice goes out only once its move is confirmed, so a move
   * that fails and is retried never tells the sender twice; and a message the broker delivers
   * again after this instance refused it to the end (its ack was lost with a connection) is
   * acknowledged without a second notice or dead letter: one rejection per message.
   */
  refuse(message: Delivery, users: MessageUsers | null, code: RejectionCode, reason: string, clientMessageId?: string): Outcome {
    const fingerprint = fingerprintOf(message);
    if (message.redelivered && this.refused.has(fingerprint)) return { kind: 'refused', code, reason };
    // Logged and counted once done: a refusal cut short (its connection lost) is done again later.
    const notice = async () => {
      this.record(message, users, code, reason, clientMessageId, false);
      if (users) {
        await this.delivery.reject(users.sender, users.recipient, {
          ...(clientMessageId !== undefined && { client_message_id: clientMessageId }),
          code,
          reason,
          timestamp: Date.now(),
        });
      }
      this.refused.add(fingerprint);
    };
    return { kind: DEAD_LETTER_CODES.has(code) ? 'dead-letter' : 'refused', code, reason, notice };
  }

  /**
   * Refuses without the sender noticing (BLOCK_MODE=silent): the sender gets the sent copy the
   * message would have had (status 100), the recipient gets nothing, nothing is stored and no
   * conversation changes.
   */
  pretendSent(message: Delivery, record: MessageRecord, code: RejectionCode, reason: string): Outcome {
    const users = { sender: record.sender, recipient: record.recipient };
    const notice = async () => {
      this.record(message, users, code, reason, record.client_message_id, true);
      await this.delivery.publishAll([this.delivery.senderCopy(toDelivered(record, this.config.appId))]);
    };
    return { kind: 'refused', code, reason, notice };
  }

  private record(
    message: Delivery,
    users: MessageUsers | null,
    code: RejectionCode,
    reason: string,
    clientMessageId: string | undefined,
    silent: boolean,
  ): void {
    this.metrics.rejected.inc({ code });
    this.logger.warn(
      { code, reason, silent, sender: users?.sender, recipient: users?.recipient, client_message_id: clientMessageId, routingKey: describeKey(message.routingKey) },
      'message refused',
    );
  }
}

/** A routing key for a log line or a reason: an over-long one (an attack) cut short. */
export function describeKey(routingKey: string): string {
  const topic = amqpToMqtt(routingKey);
  return topic.length > 300 ? `${topic.slice(0, 300)}... (${Buffer.byteLength(topic)} bytes)` : topic;
}

/** What identifies one message the broker delivered: its routing key and body. */
function fingerprintOf(message: Delivery): string {
  return createHash('sha1').update(message.routingKey).update('\n').update(message.body).digest('base64');
}
