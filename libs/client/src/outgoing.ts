import { GROUP_ID_RULE, isValidGroupId, isValidUserId, OutgoingMessage, parseOutgoing, RejectionCode, USER_ID_RULE } from '@app/protocol';

export interface SendOptions {
  /** Message type (`text` unless given): lower case letters, digits, `_`, `-`. */
  type?: string;
  attributes?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  /** Shown to the recipient for an unregistered sender; a registered sender's is the engine's (their display name). */
  senderFullname?: string;
  recipientFullname?: string;
  /**
   * The message's idempotency key. A new one is generated unless given; pass the one of a failed
   * send to retry it: the engine stores a message once per sender and client_message_id.
   */
  clientMessageId?: string;
  /** Overrides the client's sendTimeoutMs for this message. */
  timeoutMs?: number;
}

export type BuiltMessage =
  | { ok: true; clientMessageId: string; body: string }
  | { ok: false; clientMessageId: string; code: RejectionCode; reason: string };

export function newClientMessageId(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * The body to publish, checked with the engine's own validator (libs/protocol) and size limit, so
 * a message the engine would refuse fails at once instead of after a round trip. The recipient is
 * a user id or a group id (they share that word of the topic). Invalid recipient ids are kept off
 * the wire: such a topic would be refused by the engine, or by the broker, which closes the whole
 * connection.
 */
export function buildOutgoing(to: string, text: string, options: SendOptions, maxPayloadBytes: number): BuiltMessage {
  const clientMessageId = options.clientMessageId ?? newClientMessageId();
  if (!isValidUserId(to) && !isValidGroupId(to)) {
    const reason = `invalid recipient "${String(to)}": a user id (${USER_ID_RULE}) or a group id (${GROUP_ID_RULE})`;
    return { ok: false, clientMessageId, code: RejectionCode.INVALID_TOPIC, reason };
  }
  const message: OutgoingMessage = { text, type: options.type ?? 'text', client_message_id: clientMessageId };
  if (options.attributes !== undefined) message.attributes = options.attributes;
  if (options.metadata !== undefined) message.metadata = options.metadata;
  if (options.senderFullname !== undefined) message.sender_fullname = options.senderFullname;
  if (options.recipientFullname !== undefined) message.recipient_fullname = options.recipientFullname;
  const body = JSON.stringify(message);
  const checked = parseOutgoing(body, maxPayloadBytes);
  if (!checked.ok) return { ok: false, clientMessageId, code: checked.code, reason: checked.reason };
  return { ok: true, clientMessageId, body };
}
