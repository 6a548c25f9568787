import { ErrorCode, MessageUpdate, messageIdFloor, MessageUpdateRefusalCode, pairKey } from '@app/protocol';
import { MessageRecord } from '../messages/message.record';
import { MessageChange } from '../messages/messages.repository';

/** The conversation a user's update topic names: a direct one with `peer`, or a group (as it is now). */
export type EditConversation = { kind: 'direct'; peer: string } | { kind: 'group'; groupId: string; createdAt: number };

/** Who asks: a user from their client, in the conversation their topic names; or an admin (moderation: delete only). */
export type EditActor = { kind: 'user'; userId: string; conversation: EditConversation } | { kind: 'admin' };

export interface EditLimits {
  now: number;
  editWindowMs: number;
  deleteWindowMs: number;
}

/**
 * What an update comes to: a change to store; nothing to store (a message deleted already, asked
 * to be deleted again: answered as the first delete was); or a refusal with its code.
 */
export type EditDecision =
  | { kind: 'change'; change: MessageChange }
  | { kind: 'already-deleted'; deletedAt: number }
  | { kind: 'refused'; code: MessageUpdateRefusalCode; reason: string };

const refused = (code: MessageUpdateRefusalCode, reason: string): EditDecision => ({ kind: 'refused', code, reason });

/**
 * The rules of editing and deleting, as one pure function (docs/receipts.md, "Edit and delete").
 * In the order checked, so a refusal tells no more than needed:
 * - MESSAGE_NOT_FOUND: no such message, or not one of the topic's conversation (another pair,
 *   another group, or an earlier group of the same id);
 * - NOT_THE_SENDER: someone else's message, or a system message (no user sent it);
 * - MESSAGE_NOT_FOUND again for an edit of a deleted message (a delete of one is answered ok);
 * - EDIT_WINDOW_PASSED: older than the window, counted from the message's timestamp;
 * - VALIDATION_FAILED: a blank text for a message of type `text` (as for a new message).
 * An admin may delete any message at any time (and edit none).
 */
export function decideUpdate(message: MessageRecord | null, update: MessageUpdate, actor: EditActor, limits: EditLimits): EditDecision {
  const isDelete = 'deleted' in update;
  if (!message || (actor.kind === 'user' && !inConversation(message, actor.userId, actor.conversation))) {
    return refused(ErrorCode.MESSAGE_NOT_FOUND, 'no such message in this conversation');
  }
  if (actor.kind === 'user' && (message.sender !== actor.userId || message.type === 'system')) {
    return refused(ErrorCode.NOT_THE_SENDER, 'only the sender of a message may change it');
  }
  if (message.deleted_at !== undefined) {
    return isDelete ? { kind: 'already-deleted', deletedAt: message.deleted_at } : refused(ErrorCode.MESSAGE_NOT_FOUND, 'the message was deleted');
  }
  if (actor.kind === 'admin') {
    return isDelete ? { kind: 'change', change: { kind: 'delete', at: limits.now } } : refused(ErrorCode.VALIDATION_FAILED, 'admins may only delete messages');
  }
  const windowMs = isDelete ? limits.deleteWindowMs : limits.editWindowMs;
  if (limits.now - message.timestamp > windowMs) {
    return refused(ErrorCode.EDIT_WINDOW_PASSED, `a message may be ${isDelete ? 'deleted' : 'edited'} within ${windowMs / 1000} s of sending`);
  }
  if (isDelete) return { kind: 'change', change: { kind: 'delete', at: limits.now } };
  if (message.type === 'text' && update.text.trim().length === 0) return refused(ErrorCode.VALIDATION_FAILED, 'text must not be blank for type "text"');
  return { kind: 'change', change: { kind: 'edit', text: update.text, at: limits.now } };
}

/** Whether the message is one of this conversation's, as its user sees it. */
function inConversation(message: MessageRecord, userId: string, conversation: EditConversation): boolean {
  if (conversation.kind === 'direct') return message.channel_type !== 'group' && message.pair === pairKey(userId, conversation.peer);
  // Never a message of an earlier group of the same id (deleted, its id taken again).
  return message.channel_type === 'group' && message.pair === conversation.groupId && message._id >= messageIdFloor(conversation.createdAt);
}

/** The message as it is once the change is stored. */
export function applyChange(message: MessageRecord, change: MessageChange): MessageRecord {
  const revision = (message.revision ?? 0) + 1;
  if (change.kind === 'edit') return { ...message, text: change.text, edited_at: change.at, revision };
  const { attributes: _a, metadata: _m, ...kept } = message;
  return { ...kept, text: '', deleted_at: change.at, revision };
}
