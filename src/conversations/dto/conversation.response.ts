export class LastMessageResponse {
  message_id!: string;
  sender!: string;
  type!: string;
  text!: string;
  /** Milliseconds since the epoch. */
  timestamp!: number;
  /** The message was edited since (ms): `text` is the new one. */
  edited_at?: number;
  /** The message was deleted since (ms): `text` is empty. */
  deleted_at?: number;
}

export class ConversationResponse {
  /** The other user of the conversation. */
  peer!: string;
  last_message!: LastMessageResponse;
  /** Time of the last message (ms). */
  updated_at!: number;
  /** Messages from the peer since the conversation was last read. */
  unread_count!: number;
  /** The user archived it, and no message came since (a new one brings it back). */
  archived!: boolean;
}

export class ConversationPageResponse {
  items!: ConversationResponse[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor!: string | null;
}
