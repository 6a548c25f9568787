import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { GroupMember, GroupRole, GroupState } from '@app/protocol';

export class GroupMemberResponse implements GroupMember {
  user_id!: string;
  @ApiProperty({ enum: ['owner', 'admin', 'member'] })
  role!: GroupRole;
  /** Milliseconds since the epoch. */
  joined_at!: number;
}

export class GroupResponse implements GroupState {
  group_id!: string;
  name!: string;
  owner!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  attributes?: Record<string, unknown>;
  members!: GroupMemberResponse[];
  /** Milliseconds since the epoch. */
  created_at!: number;
  updated_at!: number;
}

export class GroupPageResponse {
  /** Groups in id order. */
  items!: GroupResponse[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor!: string | null;
}
