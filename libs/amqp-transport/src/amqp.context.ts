import { BaseRpcContext } from '@nestjs/microservices';
import { ConsumeMessage } from 'amqplib';

type AmqpContextArgs = [message: ConsumeMessage, routingKey: string, isActive: () => boolean];

export interface DeadLetterMark {
  code: string;
  reason: string;
  /** Run once the move is confirmed, before the ack (e.g. telling the sender): at most once per move. */
  afterwards?: () => Promise<void>;
}

/**
 * What a handler gets beside the payload. The transport acks the message when the handler
 * resolves, retries it (requeue after a backoff) when the handler fails, and moves it to the
 * dead-letter queue, with the reason in its headers, when the handler called deadLetter().
 */
export class AmqpContext extends BaseRpcContext<AmqpContextArgs> {
  private mark: DeadLetterMark | null = null;

  getMessage(): ConsumeMessage {
    return this.args[0];
  }

  getRoutingKey(): string {
    return this.args[1];
  }

  getHeaders(): Record<string, unknown> {
    return (this.args[0].properties.headers ?? {}) as Record<string, unknown>;
  }

  /** True when the broker delivered this message before (e.g. after a consumer crash). */
  isRedelivered(): boolean {
    return this.args[0].fields.redelivered;
  }

  /**
   * False once the channel the message came on is gone: the broker will redeliver the message,
   * so work on this copy can stop (its ack could not be sent anyway).
   */
  isActive(): boolean {
    return this.args[2]();
  }

  /** Position of the message in this channel's delivery order. */
  getDeliveryTag(): number {
    return this.args[0].fields.deliveryTag;
  }

  /**
   * The message can never succeed: move it to the dead-letter queue with this reason. `afterwards`
   * runs once the move is confirmed, so a move that fails (and is retried) has told nobody yet.
   */
  deadLetter(code: string, reason: string, afterwards?: () => Promise<void>): void {
    this.mark = { code, reason, afterwards };
  }

  get deadLetterMark(): DeadLetterMark | null {
    return this.mark;
  }
}
