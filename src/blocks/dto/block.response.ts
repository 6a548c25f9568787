export class BlockResponse {
  /** The user who blocks. */
  blocker!: string;
  /** The user who is blocked. */
  blocked!: string;
  reason?: string;
  /** Milliseconds since the epoch. */
  created_at!: number;
}

export class BlockPageResponse {
  /** Blocks in order of the blocked user's id. */
  items!: BlockResponse[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor!: string | null;
}

export class BlockStatusResponse {
  user!: string;
  peer!: string;
  /** True when either blocks the other: messages between them are refused both ways. */
  blocked!: boolean;
  user_blocks_peer!: boolean;
  peer_blocks_user!: boolean;
}
