import { DeliveredMessage, MessageStatus, RejectedMessage, RejectionCode, TopicLayout } from '@app/protocol';

/** A refusal from the engine, as the client reports it. */
export interface Rejection {
  /** The recipient named in the refused message's topic (`_invalid` when the topic had none). */
  peer: string;
  /** Absent when the engine could not read the message (e.g. too large, or not JSON). */
  clientMessageId?: string;
  code: RejectionCode;
  reason: string;
  timestamp: number;
}

export type InboundEvent =
  | { kind: 'message'; message: DeliveredMessage }
  | { kind: 'sent'; message: DeliveredMessage }
  | { kind: 'rejected'; rejection: Rejection }
  | { kind: 'ignored'; why: 'echo' | 'other-topic' | 'malformed' };

const REJECTION_CODES: ReadonlySet<string> = new Set(Object.values(RejectionCode));

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isDeliveredMessage(v: Record<string, unknown>, owner: string, peer: string): v is Record<string, unknown> & DeliveredMessage {
  const forThisTopic =
    (v.recipient === owner && v.sender === peer && v.status === MessageStatus.DELIVERED) ||
    (v.sender === owner && v.recipient === peer && v.status === MessageStatus.SENT);
  return (
    forThisTopic &&
    typeof v.message_id === 'string' &&
    typeof v.text === 'string' &&
    typeof v.type === 'string' &&
    typeof v.timestamp === 'number' &&
    (v.client_message_id === undefined || typeof v.client_message_id === 'string')
  );
}

function isRejectedMessage(v: Record<string, unknown>): v is Record<string, unknown> & RejectedMessage {
  return (
    typeof v.code === 'string' &&
    REJECTION_CODES.has(v.code) &&
    typeof v.reason === 'string' &&
    typeof v.timestamp === 'number' &&
    (v.client_message_id === undefined || typeof v.client_message_id === 'string')
  );
}

/**
 * What an MQTT message on the user's topics means. The user's own publishes come back on a
 * subscription that covers them (MQTT 3.1.1 has no no-local), so outgoing topics are echoes and
 * are dropped, as is anything not addressed to this user or not of the documented shape. A copy's
 * status (not its sender) tells the two copies apart, so a note to oneself works too.
 */
export function routeInbound(layout: TopicLayout, userId: string, topic: string, payload: Buffer): InboundEvent {
  const parsed = layout.parse(topic);
  if (!parsed || parsed.owner !== userId) return { kind: 'ignored', why: 'other-topic' };
  if (parsed.kind === 'outgoing' || parsed.kind === 'block-command') return { kind: 'ignored', why: 'echo' };
  if (parsed.kind !== 'clientadded' && parsed.kind !== 'clientrejected') return { kind: 'ignored', why: 'other-topic' };

  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return { kind: 'ignored', why: 'malformed' };
  }
  if (!isRecord(body)) return { kind: 'ignored', why: 'malformed' };

  if (parsed.kind === 'clientadded') {
    if (!isDeliveredMessage(body, parsed.owner, parsed.peer)) return { kind: 'ignored', why: 'malformed' };
    const message: DeliveredMessage = body;
    return message.status === MessageStatus.SENT ? { kind: 'sent', message } : { kind: 'message', message };
  }
  if (!isRejectedMessage(body)) return { kind: 'ignored', why: 'malformed' };
  const rejection: Rejection = { peer: parsed.peer, code: body.code, reason: body.reason, timestamp: body.timestamp };
  if (body.client_message_id !== undefined) rejection.clientMessageId = body.client_message_id;
  return { kind: 'rejected', rejection };
}
