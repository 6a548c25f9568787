import { utf8Length } from './utf8';
import { RejectionCode } from './codes';
import { freeFormProblem, isPlainObject, isWellFormedText, RESERVED_ATTRIBUTE_KEYS } from './free-form';
import { BlockCommand, OutgoingMessage } from './payloads';

export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;

export const LIMITS = {
  clientMessageId: 128,
  type: 32,
  fullname: 256,
} as const;

export type ParseResult<T, Code = RejectionCode> =
  | { ok: true; value: T }
  | { ok: false; code: Code; reason: string; clientMessageId?: string };

const TYPE_PATTERN = /^[a-z][a-z0-9_-]*$/;

/** Message types only the engine sends (system messages); a client's is refused. */
export const RESERVED_TYPES: ReadonlySet<string> = new Set(['system']);

/**
 * A string the database stores and gives back unchanged on every MongoDB-wire server: valid
 * Unicode and no NUL (PostgreSQL-backed servers refuse it).
 */
export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && isWellFormedText(s);
}

/** Characters of a command's `command_id` (group, presence and message-update commands), echoed in its answer. */
export const COMMAND_ID_MAX_LENGTH = 128;

function isCommandId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= COMMAND_ID_MAX_LENGTH && isStorableText(id);
}

/** Why a command's `command_id` is not acceptable (absent is), or null. */
export function commandIdProblem(id: unknown): string | null {
  return id === undefined || isCommandId(id) ? null : `command_id must be a non-empty string of at most ${COMMAND_ID_MAX_LENGTH} characters`;
}

/** The command_id a body carries, when it is a valid one (to echo it in the answer to a command that fails). */
export function commandIdOf(body: Buffer | string): string | undefined {
  try {
    const id = (JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as { command_id?: unknown })?.command_id;
    return isCommandId(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

function fail<T>(code: RejectionCode, reason: string, clientMessageId?: string): ParseResult<T> {
  return { ok: false, code, reason, clientMessageId };
}

/** A body that must be one JSON object of at most `maxBytes`. */
export function decodeJsonObject(body: Buffer | string, maxBytes: number): ParseResult<Record<string, unknown>> {
  const size = typeof body === 'string' ? utf8Length(body) : body.length;
  if (size > maxBytes) {
    return fail(RejectionCode.PAYLOAD_TOO_LARGE, `payload is ${size} bytes; the limit is ${maxBytes}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return fail(RejectionCode.INVALID_PAYLOAD, 'payload is not valid JSON');
  }
  if (!isPlainObject(parsed)) return fail(RejectionCode.INVALID_PAYLOAD, 'payload must be a JSON object');
  return { ok: true, value: parsed };
}

/**
 * Decodes and validates an outgoing message. Unknown fields are dropped; known fields must have
 * the documented types and sizes (docs/protocol.md).
 */
export function parseOutgoing(body: Buffer | string, maxBytes = DEFAULT_MAX_PAYLOAD_BYTES): ParseResult<OutgoingMessage> {
  const decoded = decodeJsonObject(body, maxBytes);
  if (!decoded.ok) return decoded;
  const o = decoded.value;

  const cmid = o.client_message_id;
  const validCmid = typeof cmid === 'string' && cmid.length > 0 && cmid.length <= LIMITS.clientMessageId && isStorableText(cmid);
  const echoId = validCmid ? (cmid as string) : undefined;
  const bad = (reason: string) => fail<OutgoingMessage>(RejectionCode.INVALID_PAYLOAD, reason, echoId);

  if (cmid !== undefined && !validCmid) {
    return bad(`client_message_id must be a non-empty string of at most ${LIMITS.clientMessageId} characters, without NUL`);
  }
  const type = o.type === undefined ? 'text' : o.type;
  if (typeof type !== 'string' || type.length > LIMITS.type || !TYPE_PATTERN.test(type)) {
    return bad(`type must match ${TYPE_PATTERN} and be at most ${LIMITS.type} characters`);
  }
  if (RESERVED_TYPES.has(type)) return bad(`type "${type}" is reserved for messages the engine sends`);
  if (typeof o.text !== 'string') return bad('text must be a string');
  if (!isStorableText(o.text)) return bad('text must be well-formed Unicode without NUL characters');
  if (type === 'text' && o.text.trim().length === 0) return bad('text must not be empty for type "text"');
  for (const key of ['attributes', 'metadata'] as const) {
    if (o[key] === undefined) continue;
    const problem = freeFormProblem(o[key], key);
    if (problem) return bad(problem);
  }
  const reserved = isPlainObject(o.attributes) ? Object.keys(o.attributes).find((k) => RESERVED_ATTRIBUTE_KEYS.has(k)) : undefined;
  if (reserved) return bad(`attributes.${reserved} is reserved for messages the engine sends`);
  for (const key of ['sender_fullname', 'recipient_fullname'] as const) {
    const v = o[key];
    if (v !== undefined && (typeof v !== 'string' || v.length > LIMITS.fullname || !isStorableText(v))) {
      return bad(`${key} must be a string of at most ${LIMITS.fullname} characters, well-formed and without NUL`);
    }
  }

  const value: OutgoingMessage = { text: o.text, type };
  if (echoId !== undefined) value.client_message_id = echoId;
  if (o.attributes !== undefined) value.attributes = o.attributes as Record<string, unknown>;
  if (o.metadata !== undefined) value.metadata = o.metadata as Record<string, unknown>;
  if (o.sender_fullname !== undefined) value.sender_fullname = o.sender_fullname as string;
  if (o.recipient_fullname !== undefined) value.recipient_fullname = o.recipient_fullname as string;
  // Measured again as the engine delivers it: re-encoding can grow a body (1e20 is written out in
  // full, an invalid UTF-8 byte becomes U+FFFD), and the broker takes MAX_PAYLOAD_BYTES plus the
  // engine's envelope at most (src/config/message-size.ts).
  const encoded = utf8Length(JSON.stringify(value));
  if (encoded > maxBytes) {
    return fail(RejectionCode.PAYLOAD_TOO_LARGE, `payload is ${encoded} bytes as the engine encodes it; the limit is ${maxBytes}`, echoId);
  }
  return { ok: true, value };
}

export function parseBlockCommand(body: Buffer | string, maxBytes = 1024): ParseResult<BlockCommand> {
  const decoded = decodeJsonObject(body, maxBytes);
  if (!decoded.ok) return decoded;
  const action = decoded.value.action;
  if (action !== 'block' && action !== 'unblock') {
    return fail(RejectionCode.INVALID_PAYLOAD, 'action must be "block" or "unblock"');
  }
  return { ok: true, value: { action } };
}
