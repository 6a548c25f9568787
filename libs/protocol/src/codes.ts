/**
 * Every code the engine puts on the wire, defined once, by surface: `RejectionCode` on
 * `clientrejected` (and dead-letter headers), `BlockResultCode` on block results,
 * `GroupResultCode` on group command results, `ErrorCode` in
 * REST error bodies (its HTTP statuses live with the REST layer, src/common/errors). docs/protocol.md
 * has one table per surface. A value is a client's contract: never change one, only add.
 */

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
  /** The sender is not (or no longer) a member of the group they sent to. */
  NOT_A_MEMBER = 'NOT_A_MEMBER',
  /** The group named in the topic does not exist (or was deleted). */
  GROUP_NOT_FOUND = 'GROUP_NOT_FOUND',
}

/**
 * Codes of the REST admin API's error bodies (`code`), also those of the engine's domain errors,
 * some of which a block command is answered with (BlockRefusalCode).
 */
export enum ErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  NOT_FOUND = 'NOT_FOUND',
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  USER_DISABLED = 'USER_DISABLED',
  CONFLICT = 'CONFLICT',
  UNAUTHORIZED = 'UNAUTHORIZED',
  FORBIDDEN = 'FORBIDDEN',
  /** Too many admin requests; the same word as a message over the sender's rate. */
  RATE_LIMITED = RejectionCode.RATE_LIMITED,
  /** The request body is larger than HTTP_BODY_LIMIT_BYTES, compressed or once inflated. */
  PAYLOAD_TOO_LARGE = RejectionCode.PAYLOAD_TOO_LARGE,
  /** The request body's content type, charset or content encoding is not one the API reads. */
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  /** The request line or headers are larger than the HTTP server reads (16 KiB): e.g. a far too long id. */
  HEADERS_TOO_LARGE = 'HEADERS_TOO_LARGE',
  /** The client did not send its whole request in time. */
  REQUEST_TIMEOUT = 'REQUEST_TIMEOUT',
  DEPENDENCY_UNAVAILABLE = 'DEPENDENCY_UNAVAILABLE',
  INTERNAL = 'INTERNAL',
  /** The group does not exist; the same word as a message sent to a missing group. */
  GROUP_NOT_FOUND = RejectionCode.GROUP_NOT_FOUND,
  /** The user named is not a member of the group (or the one acting is not). */
  NOT_A_MEMBER = RejectionCode.NOT_A_MEMBER,
  /** The change would take the group over GROUP_MAX_MEMBERS. */
  GROUP_FULL = 'GROUP_FULL',
  /** No such message in this conversation (an unknown id, another conversation's, or a deleted one to edit). */
  MESSAGE_NOT_FOUND = 'MESSAGE_NOT_FOUND',
  /** Only the sender of a message may edit or delete it. */
  NOT_THE_SENDER = 'NOT_THE_SENDER',
  /** The message is older than MESSAGE_EDIT_WINDOW_SECONDS (edit) or MESSAGE_DELETE_WINDOW_SECONDS (delete). */
  EDIT_WINDOW_PASSED = 'EDIT_WINDOW_PASSED',
}

/** The domain errors a block command is answered with (ok false); any other failure is retried. */
const BLOCK_REFUSALS = [ErrorCode.VALIDATION_FAILED, ErrorCode.USER_NOT_FOUND] as const;
export type BlockRefusalCode = (typeof BLOCK_REFUSALS)[number];
export const isBlockRefusalCode = oneOf(BLOCK_REFUSALS);

/** The domain errors a group command is answered with (ok false); any other failure is retried. */
const GROUP_REFUSALS = [
  ErrorCode.VALIDATION_FAILED,
  ErrorCode.USER_NOT_FOUND,
  ErrorCode.GROUP_NOT_FOUND,
  ErrorCode.NOT_A_MEMBER,
  ErrorCode.GROUP_FULL,
  ErrorCode.FORBIDDEN,
  ErrorCode.CONFLICT,
] as const;
export type GroupRefusalCode = (typeof GROUP_REFUSALS)[number];
export const isGroupRefusalCode = oneOf(GROUP_REFUSALS);

/** A test for membership of a list of codes, narrowing to the list's type. */
function oneOf<T extends ErrorCode>(codes: readonly T[]): (code: ErrorCode) => code is T {
  const set: ReadonlySet<ErrorCode> = new Set(codes);
  return (code): code is T => set.has(code);
}

/** The domain errors a message update (edit, delete) is answered with (ok false). */
const MESSAGE_UPDATE_REFUSALS = [ErrorCode.VALIDATION_FAILED, ErrorCode.MESSAGE_NOT_FOUND, ErrorCode.NOT_THE_SENDER, ErrorCode.EDIT_WINDOW_PASSED] as const;
export type MessageUpdateRefusalCode = (typeof MESSAGE_UPDATE_REFUSALS)[number];
export const isMessageUpdateRefusalCode = oneOf(MESSAGE_UPDATE_REFUSALS);
/** Why an edit or delete failed: it could not be read, came too fast, or the message may not be changed so. */
export type MessageUpdateResultCode = RejectionCode | MessageUpdateRefusalCode;

/** Why a receipt or an archive command was refused: it could not be read, came too fast, or names no message or conversation of the user's. */
export type ReceiptResultCode = RejectionCode | ErrorCode.VALIDATION_FAILED | ErrorCode.MESSAGE_NOT_FOUND;

/** Why a group command failed: it could not be read, came too fast, or the group's rules refuse it. */
export type GroupResultCode = RejectionCode | GroupRefusalCode;

/**
 * Why a block command failed (`code` of a result with ok false): a command that could not be read
 * (INVALID_PAYLOAD, INVALID_TOPIC, PAYLOAD_TOO_LARGE) or came too fast (RATE_LIMITED), or a block
 * the engine's rules refuse (BlockRefusalCode).
 */
export type BlockResultCode = RejectionCode | BlockRefusalCode;

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
