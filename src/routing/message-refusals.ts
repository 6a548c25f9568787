import { Injectable, Logger } from '@nestjs/common';
import { AmqpContext } from '@app/amqp-transport';
import { amqpToMqtt, DEAD_LETTER_CODES, newMessageId, OutgoingMessage, RejectionCode } from '@app/protocol';
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
@Injectable()
export class MessageRefusals {
  private readonly logger = new Logger(MessageRefusals.name);

  constructor(
    private readonly config: AppConfig,
    private readonly delivery: DeliveryPublisher,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Tells the sender on `clientrejected` (when the topic names one); dead-letters what can never
   * succeed. A dead-lettered message's notice goes out only once its move is confirmed, so a move
   * that fails and is retried never tells the sender twice.
   */
  async refuse(
    ctx: AmqpContext,
    users: MessageUsers | null,
    code: RejectionCode,
    reason: string,
    clientMessageId?: string,
  ): Promise<void> {
    this.record(ctx, users, code, reason, clientMessageId, false);
    const notify = async () => {
      if (!users) return;
      await this.delivery.reject(users.sender, users.recipient, {
        ...(clientMessageId !== undefined && { client_message_id: clientMessageId }),
        code,
        reason,
        timestamp: Date.now(),
      });
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
