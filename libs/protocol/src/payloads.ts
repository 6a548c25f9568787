import { BlockResultCode, MessageStatus, RejectionCode } from './codes';

/** What a client publishes on its outgoing topic. */
export interface OutgoingMessage {
  text: string;
  type: string;
  client_message_id?: string;
  attributes?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  sender_fullname?: string;
  recipient_fullname?: string;
}

/** What the engine publishes on `clientadded` (to the recipient, and a copy to the sender). */
export interface DeliveredMessage extends OutgoingMessage {
  message_id: string;
  sender: string;
  recipient: string;
  app_id: string;
  /** `group`: recipient is the group id, and each member gets a copy on `{prefix}/{member}/{groupId}/messages/clientadded`. */
  channel_type: 'direct' | 'group';
  /** Milliseconds since the epoch, assigned by the engine. */
  timestamp: number;
  status: MessageStatus;
  /** Present (true) on an earlier message replayed to a new group member: not new, do not notify. */
  history?: true;
  /** On a copy of a message its sender edited since (a group's replayed history): when (ms). */
  edited_at?: number;
  /** On a copy of a message deleted since (a group's replayed history): when (ms); its text is empty, its attributes and metadata gone. */
  deleted_at?: number;
}

/** What the engine publishes on `clientrejected` to the sender. */
export interface RejectedMessage {
  client_message_id?: string;
  code: RejectionCode;
  reason: string;
  timestamp: number;
}

export type BlockAction = 'block' | 'unblock';

/** What a client publishes on its block command topic. */
export interface BlockCommand {
  action: BlockAction;
}

/** What the engine echoes on the block result topic. */
export interface BlockResult {
  /** Absent when the command could not be read (ok false, code INVALID_PAYLOAD or INVALID_TOPIC). */
  action?: BlockAction;
  blocker: string;
  blocked: string;
  ok: boolean;
  code?: BlockResultCode;
  reason?: string;
  timestamp: number;
}
