import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { GROUP_ID_PATTERN, groupAttributesProblem, groupNameProblem, memberListProblem, userIdProblem } from '@app/protocol';
import { Satisfies } from '../../common/validation';
import { PageQueryDto } from '../../common/pagination';
import { HistoryQueryDto } from '../../messages/dto/history-query.dto';

/** The schema's ceiling; GROUP_MAX_MEMBERS (lower) is enforced with GROUP_FULL. */
const MEMBER_LIST_CEILING = 100_000;
const members = (v: unknown) => memberListProblem(v, MEMBER_LIST_CEILING);
const membersOrEmpty = (v: unknown) => (Array.isArray(v) && v.length === 0 ? null : members(v));

export class CreateGroupDto {
  /** The group's id (`group-...`); made by the engine when absent. */
  @IsOptional()
  @Matches(GROUP_ID_PATTERN, { message: 'group_id must be "group-" then 1 to 58 letters, digits, "_", "-" or "@"' })
  group_id?: string;

  @Satisfies(groupNameProblem)
  name!: string;

  /** The user who owns the group. */
  @Satisfies(userIdProblem)
  owner!: string;

  /** Free-form JSON object, at most 8 KiB. */
  @IsOptional()
  @Satisfies(groupAttributesProblem)
  attributes?: Record<string, unknown>;

  /** The first members besides the owner. */
  @IsOptional()
  @Satisfies(membersOrEmpty)
  members?: string[];
}

export class UpdateGroupDto {
  @IsOptional()
  @Satisfies(groupNameProblem)
  name?: string;

  @IsOptional()
  @Satisfies(groupAttributesProblem)
  attributes?: Record<string, unknown>;
}

export class MembersDto {
  /** User ids, without repeats. */
  @Satisfies(members)
  members!: string[];
}

export class ReplaceMembersDto {
  /** The whole new member list (the owner stays a member whether listed or not). */
  @Satisfies(membersOrEmpty)
  members!: string[];
}

export class MemberRoleDto {
  @ApiProperty({ enum: ['admin', 'member'] })
  @IsIn(['admin', 'member'])
  role!: 'admin' | 'member';
}

export class TransferOwnershipDto {
  /** The member who becomes the owner (the old owner becomes an admin). */
  @Satisfies(userIdProblem)
  member_id!: string;
}

export class ListGroupsQueryDto extends PageQueryDto {
  /** Only the groups this user is a member of. */
  @ApiPropertyOptional()
  @IsOptional()
  @Satisfies(userIdProblem)
  member?: string;
}

export class GroupHistoryQueryDto extends HistoryQueryDto {
  /** A member's view: with GROUP_HISTORY_FOR_NEW_MEMBERS=since_join, from when they joined. */
  @ApiPropertyOptional()
  @IsOptional()
  @Satisfies(userIdProblem)
  member?: string;
}
