/** Headers the transport sets on a message it moves to the dead-letter queue. */
export const DEAD_LETTER_HEADERS = {
  code: 'x-reject-code',
  reason: 'x-reject-reason',
  routingKey: 'x-original-routing-key',
  exchange: 'x-original-exchange',
  rejectedAt: 'x-rejected-at',
} as const;

/** Codes the transport itself uses (handlers use their own). */
export const TRANSPORT_REJECT_CODES = {
  noHandler: 'NO_HANDLER',
  malformed: 'MALFORMED_PAYLOAD',
} as const;

/** A message the transport moved to the dead-letter queue (the move is broker-confirmed). */
export interface DeadLetterEvent {
  code: string;
  reason: string;
  /** The routing key the message came with. */
  routingKey: string;
  /** `transport`: no handler, or not JSON (the transport decided); `handler`: a handler called deadLetter(). */
  origin: 'transport' | 'handler';
}

/** The dead-letter queue's cap: beyond either bound the broker drops the oldest messages. */
export interface DeadLetterCap {
  /** Messages kept at most (`x-max-length`). */
  maxLength: number;
  /** Body bytes kept at most (`x-max-length-bytes`). */
  maxBytes: number;
  /**
   * Where the broker puts what the cap drops (through the default exchange), so it can be
   * counted: a small queue the server drains. Itself capped at DROPPED_QUEUE_MAX_LENGTH.
   */
  droppedQueue: string;
}

/** Drops not yet counted that the dropped queue keeps at most (it is drained as they come). */
export const DROPPED_QUEUE_MAX_LENGTH = 10_000;

/**
 * Arguments of a capped dead-letter queue. `drop-head` drops the oldest, so a full queue never
 * refuses (nor slows) the publish of a new dead letter; the dropped ones are dead-lettered in
 * turn, to the dropped queue, which is how they are counted.
 */
export function deadLetterQueueArguments(cap: DeadLetterCap): Record<string, unknown> {
  return {
    'x-max-length': cap.maxLength,
    'x-max-length-bytes': cap.maxBytes,
    'x-overflow': 'drop-head',
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': cap.droppedQueue,
  };
}

/** Arguments of the dropped queue: bounded too, so nothing grows without limit while nobody drains it. */
export function droppedQueueArguments(cap: DeadLetterCap): Record<string, unknown> {
  return { 'x-max-length': DROPPED_QUEUE_MAX_LENGTH, 'x-max-length-bytes': cap.maxBytes, 'x-overflow': 'drop-head' };
}

/** A dead letter the cap dropped from the dead-letter queue (the oldest one at that moment). */
export interface DroppedDeadLetter {
  /** Why it had been dead-lettered (`x-reject-code`), or null when it has none. */
  code: string | null;
}
