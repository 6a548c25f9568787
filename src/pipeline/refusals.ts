import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AmqpContext } from '@app/amqp-transport';
import { amqpToMqtt, DEAD_LETTER_CODES, newMessageId, OutgoingMessage, RejectionCode } from '@app/protocol';
import { RecentSet } from '../common/cache';
import { AppConfig } from '../config';
import { MetricsService } from '../metrics/metrics.service';
import { DeliveryPublisher } from './delivery.publisher';

export interface MessageUsers {
  sender: string;
  recipient: string;
}

/**
 * What happens to a message the engine does not deliver. Either way it is counted and logged
 * without its text, and nothing is stored. Notices to the sender are broker-confirmed before the
 * caller returns (and the transport acks), so they are not lost either.
 */
/** Refusals this instance remembers, so that a redelivery of one is not refused (and announced) again. */
const REMEMBERED_REFUSALS = 10_000;

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
  async refuse(
    ctx: AmqpContext,
    users: MessageUsers | null,
    code: RejectionCode,
    reason: string,
    clientMessageId?: string,
  ): Promise<void> {
    const fingerprint = fingerprintOf(ctx);
    if (ctx.isRedelivered() && this.refused.has(fingerprint)) return;
    // Logged and counted once done: a refusal cut short (its connection lost) is done again later.
    const notify = async () => {
      this.record(ctx, users, code, reason, clientMessageId, false);
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
    if (DEAD_LETTER_CODES.has(code)) ctx.deadLetter(code, reason, notify);
    else await notify();
  }

  /**
   * Refuses without the sender noticing (BLOCK_MODE=silent): the sender gets the usual sent copy
   * (status 100, a fresh message_id and timestamp), the recipient gets nothing, and no
   * conversation changes.
   */
  async pretendSent(ctx: AmqpContext, users: MessageUsers, payload: OutgoingMessage, code: RejectionCode, reason: string): Promise<void> {
    this.record(ctx, users, code, reason, payload.client_message_id, true);
    const timestamp = Date.now();
    const message = { ...payload, ...users, message_id: newMessageId(timestamp), app_id: this.config.appId, channel_type: 'direct' as const, timestamp };
    await this.delivery.publishAll([this.delivery.senderCopy(message)]);
  }

  private record(
    ctx: AmqpContext,
    users: MessageUsers | null,
    code: RejectionCode,
    reason: string,
    clientMessageId: string | undefined,
    silent: boolean,
  ): void {
    this.metrics.rejected.inc({ code });
    this.logger.warn(
      { code, reason, silent, sender: users?.sender, recipient: users?.recipient, client_message_id: clientMessageId, routingKey: describeKey(ctx.getRoutingKey()) },
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
function fingerprintOf(ctx: AmqpContext): string {
  return createHash('sha1').update(ctx.getRoutingKey()).update('\n').update(ctx.getMessage().content).digest('base64');
}
