import {
  ConversationNotice,
  ConversationResult,
  DeliveredMessage,
  ErrorCode,
  GROUP_ACTIONS,
  GroupAction,
  GroupDeletedNotice,
  GroupEvent,
  GroupResult,
  GroupResultCode,
  GroupNotice,
  GroupSystemMessage,
  isGroupRefusalCode,
  isMessageUpdateRefusalCode,
  isMessageId,
  isPresenceStatus,
  isValidGroupId,
  isValidUserId,
  MessageDeletedNotice,
  MessageEditedNotice,
  MessageStatus,
  MessageUpdateResult,
  MessageUpdateResultCode,
  PresenceNotice,
  PresenceResult,
  PresenceResultCode,
  ReceiptNotice,
  ReceiptResult,
  ReceiptResultCode,
  RejectedMessage,
  RejectionCode,
  ShownStatus,
  SYSTEM_SENDER,
  TopicKind,
  TopicLayout,
  TypingNotice,
} from '@app/protocol';

/** A refusal from the engine, as the client reports it. */
export interface Rejection {
  /** The recipient (a user or a group) named in the refused message's topic (`_invalid` when the topic had none). */
  peer: string;
  /** Absent when the engine could not read the message (e.g. too large, or not JSON). */
  clientMessageId?: string;
  code: RejectionCode;
  reason: string;
  timestamp: number;
}

/** A user's delivered and read positions in a conversation, as the engine announced them. */
export interface ReceiptUpdate {
  /** The conversation, from the topic: the other user, or the group. */
  peer: string;
  /** Whose positions: this user (from any of their devices), or in a direct conversation the other party. */
  user: string;
  /** A device of `user` received the messages up to this id. */
  delivered_up_to?: string;
  /** `user` saw the messages up to this id. */
  read_up_to?: string;
  timestamp: number;
}

/** A receipt the engine refused (this device's or another of the user's devices': the topic is shared). */
export interface ReceiptRefusal {
  /** The conversation named in the refused receipt's topic. */
  peer: string;
  receipt: 'delivered' | 'read';
  /** Absent when the engine refused it unread (e.g. RATE_LIMITED, or a body it could not parse). */
  messageId?: string;
  code: ReceiptResultCode;
  reason: string;
  timestamp: number;
}

/** A group command result as the router lets it through: a refusal always says why. */
export type CheckedGroupResult = (GroupResult & { ok: true }) | (GroupResult & { ok: false; code: GroupResultCode; reason: string });

/** A presence result as the router lets it through: a refusal always says why. */
export type CheckedPresenceResult = (PresenceResult & { ok: true }) | (PresenceResult & { ok: false; code: PresenceResultCode; reason: string });

/** An edit's or delete's result as the router lets it through: an answer says when it was applied, a refusal why not. */
export type CheckedMessageUpdateResult =
  | (MessageUpdateResult & { ok: true })
  | (MessageUpdateResult & { ok: false; code: MessageUpdateResultCode; reason: string });

export type InboundEvent =
  | { kind: 'message'; message: DeliveredMessage }
  | { kind: 'sent'; message: DeliveredMessage }
  | { kind: 'group-event'; message: GroupSystemMessage }
  | { kind: 'rejected'; rejection: Rejection }
  | { kind: 'group-result'; result: CheckedGroupResult }
  | { kind: 'group-updated'; group: GroupNotice }
  | { kind: 'group-deleted'; notice: GroupDeletedNotice }
  | { kind: 'presence-result'; result: CheckedPresenceResult }
  | { kind: 'presence-updated'; notice: PresenceNotice }
  | { kind: 'typing'; peer: string; notice: TypingNotice }
  | { kind: 'receipts-updated'; update: ReceiptUpdate }
  | { kind: 'receipts-result'; refusal: ReceiptRefusal }
  | { kind: 'conversation-updated'; notice: ConversationNotice }
  | { kind: 'conversation-result'; peer: string; result: ConversationResult }
  | { kind: 'message-result'; result: CheckedMessageUpdateResult }
  | { kind: 'message-edited'; notice: MessageEditedNotice }
  | { kind: 'message-deleted'; notice: MessageDeletedNotice }
  | { kind: 'ignored'; why: 'echo' | 'other-topic' | 'malformed' };

const REJECTION_CODES: ReadonlySet<string> = new Set(Object.values(RejectionCode));
const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));
const GROUP_EVENTS: ReadonlySet<string> = new Set(Object.values(GroupEvent));
const ROLES: ReadonlySet<unknown> = new Set(['owner', 'admin', 'member']);
/** The topics the user publishes to: what arrives on them is the user's own publish coming back. */
const OWN_PUBLISHES = ['outgoing', 'block-command', 'group-command', 'presence-command', 'presence-watch', 'delivered', 'read', 'typing', 'message-update', 'archive', 'unarchive'] as const;
/** A refused archive command's codes: it could not be read, came too fast, or names no conversation of the user's. */
const CONVERSATION_RESULT_CODES: ReadonlySet<string> = new Set<ReceiptResultCode>([...Object.values(RejectionCode), ErrorCode.VALIDATION_FAILED, ErrorCode.MESSAGE_NOT_FOUND]);
const PRESENCE_RESULT_CODES: ReadonlySet<string> = new Set<PresenceResultCode>([...Object.values(RejectionCode), ErrorCode.VALIDATION_FAILED]);
const RECEIPT_RESULT_CODES: ReadonlySet<string> = new Set<ReceiptResultCode>([...Object.values(RejectionCode), ErrorCode.VALIDATION_FAILED, ErrorCode.MESSAGE_NOT_FOUND]);
const SHOWN_STATUSES: ReadonlySet<unknown> = new Set<ShownStatus>(['online', 'away', 'busy', 'offline']);
/** Actions whose successful result has no group left to show. */
const GROUPLESS_ACTIONS: ReadonlySet<GroupAction> = new Set<GroupAction>(['leave', 'delete']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isGroupResultCode(v: unknown): v is GroupResultCode {
  return typeof v === 'string' && (REJECTION_CODES.has(v) || (ERROR_CODES.has(v) && isGroupRefusalCode(v as ErrorCode)));
}

/**
 * Which copy of a message this is, from its topic: in a direct conversation the peer is the other
 * user; in a group it is the group (the recipient), and the sender any member, or the engine for a
 * system message. Only the sender's own copy has status SENT.
 */
function copyMatchesTopic(v: Record<string, unknown>, owner: string, peer: string): boolean {
  if (isValidGroupId(peer)) {
    if (v.channel_type !== 'group' || v.recipient !== peer) return false;
    return v.status === MessageStatus.SENT ? v.sender === owner : v.status === MessageStatus.DELIVERED && isValidUserId(v.sender);
  }
  return (
    v.channel_type === 'direct' &&
    ((v.recipient === owner && v.sender === peer && v.status === MessageStatus.DELIVERED) ||
      (v.sender === owner && v.recipient === peer && v.status === MessageStatus.SENT))
  );
}

function isDeliveredMessage(v: Record<string, unknown>, owner: string, peer: string): v is Record<string, unknown> & DeliveredMessage {
  return (
    copyMatchesTopic(v, owner, peer) &&
    typeof v.message_id === 'string' &&
    typeof v.text === 'string' &&
    typeof v.type === 'string' &&
    typeof v.timestamp === 'number' &&
    (v.client_message_id === undefined || typeof v.client_message_id === 'string') &&
    (v.history === undefined || v.history === true)
  );
}

function isSystemMessage(m: DeliveredMessage, groupId: string): m is GroupSystemMessage {
  const a = m.attributes;
  return (
    m.sender === SYSTEM_SENDER &&
    m.channel_type === 'group' &&
    isRecord(a) &&
    typeof a.event === 'string' &&
    GROUP_EVENTS.has(a.event) &&
    a.group_id === groupId &&
    typeof a.by === 'string'
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

function isGroupState(v: unknown, groupId: string): v is GroupNotice {
  return (
    isRecord(v) &&
    v.group_id === groupId &&
    typeof v.name === 'string' &&
    typeof v.owner === 'string' &&
    (v.attributes === undefined || isRecord(v.attributes)) &&
    typeof v.member_count === 'number' &&
    (v.members === undefined ||
      (Array.isArray(v.members) && v.members.every((m) => isRecord(m) && typeof m.user_id === 'string' && ROLES.has(m.role) && typeof m.joined_at === 'number'))) &&
    typeof v.created_at === 'number' &&
    typeof v.updated_at === 'number'
  );
}

/** A result for this topic's group: an answer carries the group after the change (none once left or deleted), a refusal its code and reason. */
function isGroupResult(v: Record<string, unknown>, groupId: string): v is Record<string, unknown> & CheckedGroupResult {
  if (v.group_id !== groupId || typeof v.timestamp !== 'number') return false;
  if (v.command_id !== undefined && typeof v.command_id !== 'string') return false;
  const action = v.action;
  if (action !== undefined && !(GROUP_ACTIONS as readonly unknown[]).includes(action)) return false;
  if (v.ok === true) {
    if (action === undefined) return false;
    return GROUPLESS_ACTIONS.has(action as GroupAction) ? v.group === undefined || isGroupState(v.group, groupId) : isGroupState(v.group, groupId);
  }
  return v.ok === false && isGroupResultCode(v.code) && typeof v.reason === 'string';
}

function isDeletedNotice(v: Record<string, unknown>, groupId: string): v is Record<string, unknown> & GroupDeletedNotice {
  return v.group_id === groupId && typeof v.timestamp === 'number';
}

function isOwnPublish(kind: TopicKind): kind is (typeof OWN_PUBLISHES)[number] {
  return (OWN_PUBLISHES as readonly TopicKind[]).includes(kind);
}

function isPresenceResultCode(v: unknown): v is PresenceResultCode {
  return typeof v === 'string' && PRESENCE_RESULT_CODES.has(v);
}

function isOptional(v: unknown, type: 'string' | 'number'): boolean {
  return v === undefined || typeof v === type;
}

/**
 * A result of a status command (an answer carries the status as set) or of a watch list (an answer
 * carries how many are watched, and which ids are no registered user); a refusal its code and reason.
 */
function isPresenceResult(v: Record<string, unknown>): v is Record<string, unknown> & CheckedPresenceResult {
  if ((v.command !== 'status' && v.command !== 'watch') || typeof v.timestamp !== 'number' || !isOptional(v.command_id, 'string')) return false;
  if (v.ok === false) return isPresenceResultCode(v.code) && typeof v.reason === 'string';
  if (v.ok !== true) return false;
  if (v.command === 'status') return isPresenceStatus(v.status) && isOptional(v.text, 'string');
  return typeof v.watched === 'number' && (v.unknown === undefined || (Array.isArray(v.unknown) && v.unknown.every((u) => typeof u === 'string')));
}

/** One watched user's presence, on that user's topic. */
function isPresenceNotice(v: Record<string, unknown>, user: string): v is Record<string, unknown> & PresenceNotice {
  return (
    v.user === user &&
    SHOWN_STATUSES.has(v.status) &&
    isOptional(v.text, 'string') &&
    isOptional(v.last_seen_at, 'number') &&
    typeof v.timestamp === 'number'
  );
}

/** A conversation of the user's, archived or not now, on that conversation's topic. */
function isConversationNotice(v: Record<string, unknown>, peer: string): v is Record<string, unknown> & ConversationNotice {
  return v.peer === peer && typeof v.archived === 'boolean' && typeof v.timestamp === 'number';
}

/** A refused archive or unarchive command (the engine answers only refusals on this topic). */
function isConversationResult(v: Record<string, unknown>): v is Record<string, unknown> & ConversationResult {
  return (
    (v.action === 'archive' || v.action === 'unarchive') &&
    v.ok === false &&
    typeof v.code === 'string' &&
    CONVERSATION_RESULT_CODES.has(v.code) &&
    typeof v.reason === 'string' &&
    typeof v.timestamp === 'number'
  );
}

/**
 * Someone typing in the conversation `peer`: in a direct one, the peer themselves; in a group, any
 * member but this user (the engine never tells a typist of their own typing).
 */
function isTypingNotice(v: Record<string, unknown>, owner: string, peer: string): v is Record<string, unknown> & TypingNotice {
  if (!isValidUserId(v.user) || v.user === owner) return false;
  if (!isValidGroupId(peer) && v.user !== peer) return false;
  return (v.state === 'typing' || v.state === 'paused') && typeof v.timestamp === 'number';
}

/**
 * Positions on `{owner}/{peer}/.../receipts/clientupdated`: the owner's own (to all their devices),
 * or in a direct conversation the other party's; in a group nobody else's is pushed. At least one
 * position, each a message id.
 */
function isReceiptNotice(v: Record<string, unknown>, owner: string, peer: string): v is Record<string, unknown> & ReceiptNotice {
  const whose = v.user === owner || (v.user === peer && !isValidGroupId(peer));
  const positions = [v.delivered_up_to, v.read_up_to].filter((p) => p !== undefined);
  return whose && positions.length > 0 && positions.every(isMessageId) && typeof v.timestamp === 'number';
}

/** A refused receipt: always a refusal, with a code a receipt can get; the message id when the engine read one. */
function isReceiptResult(v: Record<string, unknown>): v is Record<string, unknown> & ReceiptResult {
  return (
    (v.receipt === 'delivered' || v.receipt === 'read') &&
    v.ok === false &&
    typeof v.code === 'string' &&
    RECEIPT_RESULT_CODES.has(v.code) &&
    typeof v.reason === 'string' &&
    typeof v.timestamp === 'number' &&
    (v.message_id === undefined || isMessageId(v.message_id))
  );
}

function isMessageUpdateResultCode(v: unknown): v is MessageUpdateResultCode {
  return typeof v === 'string' && (REJECTION_CODES.has(v) || (ERROR_CODES.has(v) && isMessageUpdateRefusalCode(v as ErrorCode)));
}

/** The result of an update of the topic's message: an answer says when the edit or delete was applied, a refusal its code and reason. */
function isMessageUpdateResult(v: Record<string, unknown>, messageId: string): v is Record<string, unknown> & CheckedMessageUpdateResult {
  if (v.message_id !== messageId || typeof v.timestamp !== 'number' || !isOptional(v.command_id, 'string')) return false;
  if (v.ok === false) return isMessageUpdateResultCode(v.code) && typeof v.reason === 'string';
  return v.ok === true && isOptional(v.edited_at, 'number') && isOptional(v.deleted_at, 'number') && (v.edited_at !== undefined || v.deleted_at !== undefined);
}

/**
 * A notice of the topic's message, in the topic's conversation: direct, between the owner and the
 * peer (either way); in a group, to the group.
 */
function isMessageNotice(v: Record<string, unknown>, owner: string, peer: string, messageId: string): boolean {
  if (v.message_id !== messageId || typeof v.sender !== 'string' || typeof v.recipient !== 'string' || typeof v.timestamp !== 'number') return false;
  if (isValidGroupId(peer)) return v.recipient === peer && isValidUserId(v.sender);
  return (v.sender === owner && v.recipient === peer) || (v.sender === peer && v.recipient === owner);
}

/**
 * What an MQTT message on the user's topics means. The user's own publishes come back on a
 * subscription that covers them (MQTT 3.1.1 has no no-local), so outgoing and command topics are
 * echoes and are dropped, as is anything not addressed to this user or not of the documented
 * shape. A copy's status (not its sender) tells the two copies apart, so a note to oneself works
 * too. Payloads pass through as the engine sent them (e.g. `history` on a group's replayed messages).
 */
export function routeInbound(layout: TopicLayout, userId: string, topic: string, payload: Buffer): InboundEvent {
  const parsed = layout.parse(topic);
  if (!parsed || parsed.owner !== userId) return { kind: 'ignored', why: 'other-topic' };
  if (isOwnPublish(parsed.kind)) return { kind: 'ignored', why: 'echo' };
  if (parsed.kind === 'block-result') return { kind: 'ignored', why: 'other-topic' };

  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return { kind: 'ignored', why: 'malformed' };
  }
  if (!isRecord(body)) return { kind: 'ignored', why: 'malformed' };
  const malformed = { kind: 'ignored', why: 'malformed' } as const;

  switch (parsed.kind) {
    case 'clientadded': {
      if (!isDeliveredMessage(body, parsed.owner, parsed.peer)) return malformed;
      const message: DeliveredMessage = body;
      if (message.type === 'system' && message.channel_type === 'group') {
        return isSystemMessage(message, parsed.peer) ? { kind: 'group-event', message } : malformed;
      }
      return message.status === MessageStatus.SENT ? { kind: 'sent', message } : { kind: 'message', message };
    }
    case 'clientrejected': {
      if (!isRejectedMessage(body)) return malformed;
      const rejection: Rejection = { peer: parsed.peer, code: body.code, reason: body.reason, timestamp: body.timestamp };
      if (body.client_message_id !== undefined) rejection.clientMessageId = body.client_message_id;
      return { kind: 'rejected', rejection };
    }
    case 'group-result':
      return isGroupResult(body, parsed.peer) ? { kind: 'group-result', result: body } : malformed;
    case 'group-updated':
      return isGroupState(body, parsed.peer) ? { kind: 'group-updated', group: body } : malformed;
    case 'group-deleted':
      return isDeletedNotice(body, parsed.peer) ? { kind: 'group-deleted', notice: body } : malformed;
    case 'presence-result':
      return isPresenceResult(body) ? { kind: 'presence-result', result: body } : malformed;
    case 'presence-updated':
      return isPresenceNotice(body, parsed.peer) ? { kind: 'presence-updated', notice: body } : malformed;
    case 'typing-updated':
      // Only what the contract names: an app gets no extra field the engine did not send.
      return isTypingNotice(body, parsed.owner, parsed.peer)
        ? { kind: 'typing', peer: parsed.peer, notice: { user: body.user, state: body.state, timestamp: body.timestamp } }
        : malformed;
    case 'receipts-updated': {
      if (!isReceiptNotice(body, parsed.owner, parsed.peer)) return malformed;
      const update: ReceiptUpdate = { peer: parsed.peer, user: body.user, timestamp: body.timestamp };
      if (body.delivered_up_to !== undefined) update.delivered_up_to = body.delivered_up_to;
      if (body.read_up_to !== undefined) update.read_up_to = body.read_up_to;
      return { kind: 'receipts-updated', update };
    }
    case 'receipts-result': {
      if (!isReceiptResult(body)) return malformed;
      const refusal: ReceiptRefusal = { peer: parsed.peer, receipt: body.receipt, code: body.code, reason: body.reason, timestamp: body.timestamp };
      if (body.message_id !== undefined) refusal.messageId = body.message_id;
      return { kind: 'receipts-result', refusal };
    }
    case 'conversation-updated':
      return isConversationNotice(body, parsed.peer) ? { kind: 'conversation-updated', notice: body } : malformed;
    case 'conversation-result':
      return isConversationResult(body) ? { kind: 'conversation-result', peer: parsed.peer, result: body } : malformed;
    case 'message-result':
      return isMessageUpdateResult(body, parsed.messageId!) ? { kind: 'message-result', result: body } : malformed;
    case 'message-updated': {
      const edited = isMessageNotice(body, parsed.owner, parsed.peer, parsed.messageId!) && typeof body.text === 'string' && typeof body.edited_at === 'number';
      return edited ? { kind: 'message-edited', notice: body as unknown as MessageEditedNotice } : malformed;
    }
    case 'message-deleted': {
      const deleted = isMessageNotice(body, parsed.owner, parsed.peer, parsed.messageId!) && typeof body.deleted_at === 'number';
      return deleted ? { kind: 'message-deleted', notice: body as unknown as MessageDeletedNotice } : malformed;
    }
  }
}
