import { ConversationResult, GroupAction, GroupResultCode, MessageUpdateResultCode, PresenceResult, PresenceResultCode, ReceiptResultCode, RejectionCode } from '@app/protocol';

/** Why a send, a group command or a presence command failed on the client's side, without an answer from the engine. */
export enum ClientErrorCode {
  /**
   * No answer arrived in time. A send is safe to retry with the same clientMessageId; a group
   * command may or may not have been applied (see ChatClient's group commands); so may a presence
   * command, which the client sends again after a reconnect (see ChatClient's presence commands).
   */
  TIMEOUT = 'TIMEOUT',
  /** The client was closed before the engine answered. */
  CLOSED = 'CLOSED',
  /**
   * Group commands only: the connection dropped after the command went out, so its answer is lost;
   * it may or may not have been applied. (Sends are published again instead: they are idempotent.)
   */
  DISCONNECTED = 'DISCONNECTED',
}

export type SendErrorCode = RejectionCode | ClientErrorCode;

/**
 * A failed send. `code` is the engine's RejectionCode when it refused the message (or when the
 * SDK found the same fault before sending: `local` is then true), else a ClientErrorCode.
 */
export class SendError extends Error {
  override readonly name = 'SendError';

  constructor(
    readonly code: SendErrorCode,
    readonly reason: string,
    readonly clientMessageId: string,
    readonly local: boolean,
  ) {
    super(`${code}: ${reason}`);
  }
}

export type GroupCommandErrorCode = GroupResultCode | ClientErrorCode;

/**
 * A failed group command. `code` is the engine's (a GroupResultCode, e.g. NOT_A_MEMBER, FORBIDDEN,
 * GROUP_FULL), or the same code found by the SDK before publishing (`local` true:
 * VALIDATION_FAILED for a bad argument, INVALID_TOPIC for a bad group id, PAYLOAD_TOO_LARGE), or a
 * ClientErrorCode.
 */
export class GroupCommandError extends Error {
  override readonly name = 'GroupCommandError';

  constructor(
    readonly code: GroupCommandErrorCode,
    readonly reason: string,
    readonly groupId: string,
    readonly action: GroupAction,
    readonly local: boolean,
  ) {
    super(`${code}: ${reason}`);
  }
}

export type PresenceCommandErrorCode = PresenceResultCode | ClientErrorCode;

/**
 * A failed setStatus or watch. `code` is the engine's (a PresenceResultCode: VALIDATION_FAILED,
 * RATE_LIMITED...), or the same code found by the SDK before publishing (`local` true:
 * VALIDATION_FAILED for a bad status, text or user list, PAYLOAD_TOO_LARGE), or a ClientErrorCode
 * (TIMEOUT, CLOSED; never DISCONNECTED: a presence command is sent again after a reconnect).
 */
export class PresenceCommandError extends Error {
  override readonly name = 'PresenceCommandError';

  constructor(
    readonly code: PresenceCommandErrorCode,
    readonly reason: string,
    /** Which command failed: `status` (setStatus) or `watch`. */
    readonly command: PresenceResult['command'],
    readonly local: boolean,
  ) {
    super(`${code}: ${reason}`);
  }
}

export type MessageUpdateErrorCode = MessageUpdateResultCode | ClientErrorCode;

/**
 * A failed editMessage or deleteMessage. `code` is the engine's (MESSAGE_NOT_FOUND,
 * NOT_THE_SENDER, EDIT_WINDOW_PASSED, NOT_A_MEMBER, BLOCKED, RATE_LIMITED...), or the same code
 * found by the SDK before publishing (`local` true: VALIDATION_FAILED for a bad text,
 * INVALID_TOPIC for a bad peer or message id, PAYLOAD_TOO_LARGE), or a ClientErrorCode (TIMEOUT,
 * CLOSED; never DISCONNECTED: an update is sent again after a reconnect).
 */
export class MessageUpdateError extends Error {
  override readonly name = 'MessageUpdateError';

  constructor(
    readonly code: MessageUpdateErrorCode,
    readonly reason: string,
    readonly messageId: string,
    readonly local: boolean,
  ) {
    super(`${code}: ${reason}`);
  }
}

export type ConversationCommandErrorCode = ReceiptResultCode | ClientErrorCode;

/**
 * A failed archive or unarchive. `code` is the engine's (MESSAGE_NOT_FOUND: no message with that
 * peer yet, or not a member of that group; RATE_LIMITED; SENDER_DISABLED...), or the same code
 * found by the SDK before publishing (`local` true: INVALID_TOPIC for a peer that is no user or
 * group id), or a ClientErrorCode (TIMEOUT, CLOSED; never DISCONNECTED: the command is sent again
 * after a reconnect).
 */
export class ConversationCommandError extends Error {
  override readonly name = 'ConversationCommandError';

  constructor(
    readonly code: ConversationCommandErrorCode,
    readonly reason: string,
    /** The conversation: the other user, or the group. */
    readonly peer: string,
    readonly action: ConversationResult['action'],
    readonly local: boolean,
  ) {
    super(`${code}: ${reason}`);
  }
}

/** The first connection could not be made (bad token, unreachable broker, refused subscription). */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';

  constructor(
    message: string,
    /** The MQTT CONNACK return code when the broker refused the connection (4: bad token, 5: not authorized). */
    readonly returnCode?: number,
  ) {
    super(message);
  }
}

export type ReceiptErrorCode = ReceiptResultCode | ClientErrorCode.CLOSED;

/**
 * A markRead that was not published: the SDK found what the engine would refuse (`local` true:
 * INVALID_TOPIC for a bad peer id, VALIDATION_FAILED for a bad message id), or the client was
 * closed first (CLOSED). The engine's own refusals arrive later, as `receiptRefused` events.
 */
export class ReceiptError extends Error {
  override readonly name = 'ReceiptError';

  constructor(
    readonly code: ReceiptErrorCode,
    readonly reason: string,
    /** The conversation: a user or a group id. */
    readonly peer: string,
    readonly messageId: string,
    readonly local: boolean,
  ) {
    super(`${code}: ${reason}`);
  }
}
