export class GroupReceiptsResponse {
  message_id!: string;
  /** Current members (the sender left out) a device of whom received the message. */
  delivered!: string[];
  /** Current members (the sender left out) who read it. */
  read!: string[];
  /** Current members (the sender left out) who have neither. */
  pending!: string[];
}
