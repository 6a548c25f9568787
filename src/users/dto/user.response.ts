export class UserResponse {
  user_id!: string;
  display_name!: string;
  metadata?: Record<string, unknown>;
  /** A disabled user's messages are refused with SENDER_DISABLED. */
  disabled!: boolean;
  /** Why the user is disabled (only while disabled). */
  disabled_reason?: string;
  /** When the user was disabled, ms since the epoch (only while disabled). */
  disabled_at?: number;
  /** Milliseconds since the epoch. */
  created_at!: number;
  /** Milliseconds since the epoch. */
  updated_at!: number;
}

export class UserPageResponse {
  /** Users in id order. */
  items!: UserResponse[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor!: string | null;
}
