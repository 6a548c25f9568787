/** Why the engine refused a message; sent to the sender on `clientrejected` and kept in dead-letter headers. */
export enum RejectionCode {
  /** The body is not JSON, not a JSON object, or a field has the wrong type or size. */
  INVALID_PAYLOAD = 'INVALID_PAYLOAD',
  /** The body is larger than the engine's limit (MAX_PAYLOAD_BYTES). */
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  /** The topic is not of the documented shape, or a user id in it is invalid. */
  INVALID_TOPIC = 'INVALID_TOPIC',
  /** One of the two users blocks the other. */
  BLOCKED = 'BLOCKED',
  /** The sender is disabled. */
  SENDER_DISABLED = 'SENDER_DISABLED',
  /** The recipient is not a registered user (when registration is enforced). */
  UNKNOWN_RECIPIENT = 'UNKNOWN_RECIPIENT',
  /** The sender sends faster than the engine's per-user limit. */
  RATE_LIMITED = 'RATE_LIMITED',
  /**
   * The message passed validation, but the database or the broker refused it for good (not a
   * transient failure): it is set aside alone and the rest of its batch goes on.
   */
  UNPROCESSABLE = 'UNPROCESSABLE',
}

/** Codes that mean the message itself can never succeed: it goes to the dead-letter queue. */
export const DEAD_LETTER_CODES: ReadonlySet<RejectionCode> = new Set([
  RejectionCode.INVALID_PAYLOAD,
  RejectionCode.PAYLOAD_TOO_LARGE,
  RejectionCode.INVALID_TOPIC,
  RejectionCode.UNPROCESSABLE,
]);

/** Delivery status on a delivered message copy. */
export enum MessageStatus {
  /** On the sender's own copy: the engine accepted and stored the message. */
  SENT = 100,
  /** On the recipient's copy. */
  DELIVERED = 150,
}
