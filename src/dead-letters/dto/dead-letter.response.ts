export class DeadLetterResponse {
  /** The message's `message_id` property when it has one, else `sha256:` and a hash of its routing key, rejection time and body (stable while it stays in the queue). */
  id!: string;
  /** Why it was dead-lettered (`x-reject-code`: a rejection code of docs/protocol.md, or the transport's `NO_HANDLER` / `MALFORMED_PAYLOAD`). */
  code!: string | null;
  /** `x-reject-reason`: the reason in words. */
  reason!: string | null;
  /** The routing key it was published with (`x-original-routing-key`); a replay publishes it with this key again. */
  routing_key!: string;
  /** The exchange it was published to (`x-original-exchange`; empty: the default exchange). */
  exchange!: string;
  /** When it was dead-lettered (`x-rejected-at`), milliseconds since the epoch. */
  rejected_at!: number | null;
  /** The user whose topic it was published on, when the routing key names one. */
  sender!: string | null;
  /** The recipient named by an outgoing topic. */
  recipient!: string | null;
  /** How many times it was replayed before (`x-replay-count`). */
  replay_count!: number;
  /** True once it has been looked at or handed back before (inspection sets the broker's redelivered flag). */
  redelivered!: boolean;
  /** Every header of the message (including the MQTT plugin's). */
  headers!: Record<string, unknown>;
  /** The body: text when it is valid UTF-8 (JSON included), base64 otherwise, cut at 4,096 bytes. */
  payload!: string;
  payload_encoding!: 'utf8' | 'base64';
  /** Size of the whole body in bytes. */
  payload_bytes!: number;
  /** True when `payload` shows only the first 4,096 bytes. */
  payload_truncated!: boolean;
}

export class DeadLetterListResponse {
  /** Messages ready in the dead-letter queue (its depth). */
  count!: number;
  /** Up to `limit` of them, oldest first; they all stay in the queue. */
  messages!: DeadLetterResponse[];
}

export class ReplayLeftResponse {
  /** The dead letter's id, as the inspection endpoint shows it. */
  id!: string;
  /**
   * Why it stayed: `EXCHANGE_NOT_FOUND` (its original exchange was deleted), `INVALID_ROUTING_KEY`
   * (longer than AMQP's 255 bytes), `INVALID_EXCHANGE` (a name AMQP cannot carry, or the broker's
   * own), `UNROUTABLE` (no queue is bound for its routing key).
   */
  code!: 'EXCHANGE_NOT_FOUND' | 'INVALID_EXCHANGE' | 'INVALID_ROUTING_KEY' | 'UNROUTABLE';
  /** The same in words. */
  reason!: string;
  /** Its original exchange and routing key. */
  exchange!: string;
  routing_key!: string;
}

export class ReplayDeadLettersResponse {
  /** Messages published back (broker-confirmed) and removed from the dead-letter queue. */
  replayed!: number;
  /** Messages the broker could route nowhere (no queue bound for their routing key): left in the dead-letter queue. */
  unroutable!: number;
  /** Messages not published because their original exchange no longer exists or their routing key or exchange name is unusable: left in the dead-letter queue. */
  skipped!: number;
  /** The messages left in the queue (unroutable and skipped), oldest first, with why: the first 100. */
  left!: ReplayLeftResponse[];
}

export class PurgeDeadLettersResponse {
  /** Messages removed for good. */
  removed!: number;
}
