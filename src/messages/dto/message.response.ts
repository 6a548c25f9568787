export class MessageResponse {
  message_id!: string;
  sender!: string;
  recipient!: string;
  type!: string;
  text!: string;
  /** Milliseconds since the epoch, assigned by the engine. */
  timestamp!: number;
  client_message_id?: string;
  attributes?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  sender_fullname?: string;
  recipient_fullname?: string;
  /** When the sender last edited the text (ms); `text` is the edited one. */
  edited_at?: number;
  /** When the message was deleted (ms): `text` is empty and attributes and metadata are gone. */
  deleted_at?: number;
}

/** A direct message as the history shows it: with how far its recipient got (docs/receipts.md). */
export class HistoryMessageResponse extends MessageResponse {
  /** `sent` (stored), `delivered` (a device of the recipient received it) or `read` (the recipient saw it). */
  receipt!: 'sent' | 'delivered' | 'read';
}

export class HistoryPageResponse {
  items!: HistoryMessageResponse[];
  /** Pass as `cursor` (same `order`) for the next page; null on the last page. */
  next_cursor!: string | null;
  /** Only on an `around` page: pass as `cursor` with the opposite `order` to page the other way; null when nothing is there. */
  prev_cursor?: string | null;
}

export class MessagePageResponse {
  items!: MessageResponse[];
  /** Pass as `cursor` (same `order`) for the next page; null on the last page. */
  next_cursor!: string | null;
  /** Only on an `around` page: pass as `cursor` with the opposite `order` to page the other way; null when nothing is there. */
  prev_cursor?: string | null;
}

export class SendMessageResponse {
  /** The id the engine dedupes by: the one given, or a generated one. */
  client_message_id!: string;
  sender!: string;
  recipient!: string;
  /** The outgoing topic the message was published to (the same path as a client's). */
  topic!: string;
}
