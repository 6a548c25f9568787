import { RejectionCode } from '@app/protocol';

/**
 * One consumed message as the pipeline's door hands it to a handler: plain values, so handlers
 * and the steps behind them know nothing of the transport (and are tested without one).
 */
export interface Delivery {
  routingKey: string;
  body: Buffer;
  /** The broker delivered it before (e.g. after a consumer crash or a lost connection). */
  redelivered: boolean;
  /** False once the channel it came on is gone: the broker delivers it again, so work on this copy can stop. */
  isLive: () => boolean;
  /** Its position in the delivery order: one sender's messages are stored and delivered in this order. */
  order: number;
}

/** A message to a user about their message (a rejection, a block command's result, a silent refusal's sent copy). */
export type Notice = () => Promise<void>;

/**
 * What a handler decided; only the door applies it to the transport:
 * - `accepted`: done (stored and delivered, or a command carried out and answered): ack.
 * - `refused`: the engine will not process it, for a reason that is not the message's fault alone
 *   (policy, rate): the notice, if any, is sent, then the message is acked.
 * - `dead-letter`: it can never succeed (malformed): moved to the dead-letter queue with its code;
 *   the notice runs only once the move is confirmed, so a move that fails and is retried never
 *   tells the sender twice.
 * - `retry`: a transient cause (database or broker down, shutting down): not acked; the broker
 *   delivers it again.
 */
export type Outcome =
  | { kind: 'accepted' }
  | { kind: 'refused'; code: RejectionCode; reason: string; notice?: Notice }
  | { kind: 'dead-letter'; code: RejectionCode; reason: string; notice?: Notice }
  | { kind: 'retry'; reason: string; cause?: unknown };

export const ACCEPTED: Outcome = Object.freeze({ kind: 'accepted' });
