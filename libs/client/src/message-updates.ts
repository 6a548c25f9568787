import { isMessageId, isValidGroupId, isValidUserId, MessageUpdate, MessageUpdateResultCode, parseMessageUpdate, RejectionCode } from '@app/protocol';

export type BuiltMessageUpdate = { ok: true; body: string } | { ok: false; code: MessageUpdateResultCode; reason: string };

/**
 * The body of an edit or delete, checked with the engine's own parser (libs/protocol: the text,
 * the command_id, the size against MAX_PAYLOAD_BYTES as far as the client knows it) so an update
 * the engine would refuse fails at once with the engine's code; an invalid peer or message id
 * never reaches a topic.
 */
export function buildMessageUpdate(peer: string, messageId: string, update: MessageUpdate, maxBytes: number): BuiltMessageUpdate {
  if (!isValidUserId(peer) && !isValidGroupId(peer)) return { ok: false, code: RejectionCode.INVALID_TOPIC, reason: `invalid peer "${String(peer).slice(0, 80)}": a user id or a group id` };
  if (!isMessageId(messageId)) return { ok: false, code: RejectionCode.INVALID_TOPIC, reason: `invalid message id "${String(messageId).slice(0, 80)}": 26 characters, as the engine gives them` };
  const body = JSON.stringify(update);
  const checked = parseMessageUpdate(body, maxBytes);
  return checked.ok ? { ok: true, body } : { ok: false, code: checked.code, reason: checked.reason };
}
