import { ErrorCode, MessageUpdateResultCode, ReceiptResultCode, RejectionCode } from './codes';
import { COMMAND_ID_MAX_LENGTH, commandIdProblem, decodeJsonObject, isStorableText, ParseResult } from './validation';

/**
 * What follows a message (docs/receipts.md): receipts and read positions, typing, edits and
 * deletes, archiving a conversation. Topics in topics.ts; codes in codes.ts.
 */

/** A message id as the engine makes them (newMessageId): 26 characters of Crockford base32. */
export const MESSAGE_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function isMessageId(id: unknown): id is string {
  return typeof id === 'string' && MESSAGE_ID_PATTERN.test(id);
}

/** What a client publishes on `.../{peer}/messages/delivered` or `.../messages/read`: up to which message. */
export interface Receipt {
  message_id: string;
}

/**
 * What the engine publishes on `{prefix}/{owner}/{peer}/messages/receipts/clientupdated`: `user`'s
 * positions in the conversation, whenever they move. To the reader's own devices (so every device
 * counts the same messages unread: those after `read_up_to`), and to the other party of a direct
 * conversation.
 */
export interface ReceiptNotice {
  user: string;
  /** A device of `user` received the messages up to this id. */
  delivered_up_to?: string;
  /** `user` saw the messages up to this id. */
  read_up_to?: string;
  timestamp: number;
}

/** What the engine answers a refused receipt with, on `.../{peer}/messages/receipts/result`. */
export interface ReceiptResult {
  receipt: 'delivered' | 'read';
  message_id?: string;
  ok: false;
  code: ReceiptResultCode;
  reason: string;
  timestamp: number;
}

export type TypingState = 'typing' | 'paused';

/** What a client publishes on `{prefix}/{me}/{peer}/typing`. */
export interface TypingCommand {
  state: TypingState;
}

/** What the engine relays on `{prefix}/{owner}/{peer}/typing/clientupdated`: `user` types (in group `peer`, or as peer). */
export interface TypingNotice {
  user: string;
  state: TypingState;
  timestamp: number;
}

/** What a client publishes on `.../messages/{messageId}/update`: a new text, or a delete. */
export type MessageUpdate = { command_id?: string } & ({ text: string } | { deleted: true });

/** What the engine answers on `.../messages/{messageId}/result`. */
export interface MessageUpdateResult {
  command_id?: string;
  message_id: string;
  ok: boolean;
  code?: MessageUpdateResultCode;
  reason?: string;
  /** The change as applied: `edited_at` or `deleted_at`. */
  edited_at?: number;
  deleted_at?: number;
  timestamp: number;
}

/** What both parties (or every member) get on `.../messages/{messageId}/clientupdated` after an edit. */
export interface MessageEditedNotice {
  message_id: string;
  sender: string;
  recipient: string;
  text: string;
  edited_at: number;
  timestamp: number;
}

/** What both parties (or every member) get on `.../messages/{messageId}/clientdeleted` after a delete. */
export interface MessageDeletedNotice {
  message_id: string;
  sender: string;
  recipient: string;
  deleted_at: number;
  timestamp: number;
}

/** What a user's devices get on `{prefix}/{me}/conversations/{peer}/clientupdated`. */
export interface ConversationNotice {
  peer: string;
  archived: boolean;
  timestamp: number;
}

/** What the engine answers a refused archive command with, on `{prefix}/{me}/conversations/{peer}/result`. */
export interface ConversationResult {
  action: 'archive' | 'unarchive';
  ok: false;
  code: ReceiptResultCode;
  reason: string;
  timestamp: number;
}

export const MESSAGE_LIFE_LIMITS = {
  /** Bytes of a receipt, typing or archive body. */
  smallBody: 1024,
  commandId: COMMAND_ID_MAX_LENGTH,
} as const;

const invalid = (reason: string) => ({ ok: false as const, code: ErrorCode.VALIDATION_FAILED as const, reason });

/** Decodes a receipt: `{"message_id": "<26-character id>"}`; unknown fields are dropped. */
export function parseReceipt(body: Buffer | string): ParseResult<Receipt, ReceiptResultCode> {
  const decoded = decodeJsonObject(body, MESSAGE_LIFE_LIMITS.smallBody);
  if (!decoded.ok) return decoded;
  const id = decoded.value.message_id;
  return isMessageId(id) ? { ok: true, value: { message_id: id } } : invalid('message_id must be a message id (26 characters, as the engine gives them)');
}

/** Decodes a typing command: `{"state": "typing" | "paused"}`. */
export function parseTyping(body: Buffer | string): ParseResult<TypingCommand> {
  const decoded = decodeJsonObject(body, MESSAGE_LIFE_LIMITS.smallBody);
  if (!decoded.ok) return decoded;
  const state = decoded.value.state;
  return state === 'typing' || state === 'paused'
    ? { ok: true, value: { state } }
    : { ok: false, code: RejectionCode.INVALID_PAYLOAD, reason: 'state must be "typing" or "paused"' };
}

/** Decodes an edit (`{"text": "..."}`) or a delete (`{"deleted": true}`), with an optional command_id; `maxBytes`: MAX_PAYLOAD_BYTES. */
export function parseMessageUpdate(body: Buffer | string, maxBytes: number): ParseResult<MessageUpdate, MessageUpdateResultCode> {
  const decoded = decodeJsonObject(body, maxBytes);
  if (!decoded.ok) return decoded;
  const o = decoded.value;
  const id = o.command_id;
  const idProblem = commandIdProblem(id);
  if (idProblem) return invalid(idProblem);
  const withId = <T extends object>(v: T) => (id === undefined ? v : { ...v, command_id: id as string });
  if (o.deleted !== undefined) {
    if (o.deleted !== true || o.text !== undefined) return invalid('a delete is {"deleted": true}, with no text');
    return { ok: true, value: withId({ deleted: true as const }) };
  }
  if (typeof o.text !== 'string' || o.text.length === 0 || !isStorableText(o.text)) return invalid('text must be a non-empty string, well-formed and without NUL');
  return { ok: true, value: withId({ text: o.text }) };
}
