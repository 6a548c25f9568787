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
