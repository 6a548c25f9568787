/** A stored message as the repository returns it (plain object). */
export interface MessageRecord {
  _id: string;
  app_id: string;
  /** The conversation's key: pairKey of the two users, or the group id. */
  pair: string;
  /** Set on group messages (recipient is the group id); absent on direct ones. */
  channel_type?: 'group';
  sender: string;
  recipient: string;
  type: string;
  text: string;
  client_message_id?: string;
  dedupe_key: string;
  attributes?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  sender_fullname?: string;
  recipient_fullname?: string;
  timestamp: number;
  /** Set once the sender edited the text (ms). */
  edited_at?: number;
  /** Set once deleted (ms): the text is empty, attributes and metadata are gone. */
  deleted_at?: number;
  /** Changes since it was stored (absent: none); see Message.revision. */
  revision?: number;
}

export function dedupeKey(sender: string, clientMessageId: string | undefined, messageId: string): string {
  return clientMessageId ? `${sender}:${clientMessageId}` : `~${messageId}`;
}
