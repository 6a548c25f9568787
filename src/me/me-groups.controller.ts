import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { GroupState, newGroupId } from '@app/protocol';
import { CurrentUser, UserPrincipal, UserRoute } from '../auth';
import { ApiErrorResponses } from '../common/errors';
import { GroupIdPipe, UserIdPipe, userPath } from '../common/http';
import { PageQueryDto } from '../common/pagination';
import { MembersDto, UpdateGroupDto } from '../groups/dto/group.dto';
import { GroupPageResponse, GroupResponse } from '../groups/dto/group.response';
import { GroupOperation } from '../groups/group.rules';
import { GroupsService } from '../groups/groups.service';
import { NOT_ANNOUNCED_DESCRIPTION } from '../policy/events';
import { CreateMyGroupDto } from './dto/create-my-group.dto';
import { USER_SECURITY } from './user-security';

const CHANGE_ERRORS = {
  VALIDATION_FAILED: 'Invalid group id, user id or body',
  GROUP_NOT_FOUND: 'No such group, or I am not a member',
  FORBIDDEN: 'My role does not allow it (docs/groups.md)',
  DEPENDENCY_UNAVAILABLE: NOT_ANNOUNCED_DESCRIPTION,
} as const;
const UNKNOWN_USER = 'A user is not registered (only with REQUIRE_REGISTERED_RECIPIENTS)';

/**
 * My groups. Changes go through the same rules as my MQTT group commands (group.rules.ts, with me
 * as the actor): any user creates a group and owns it; the owner and admins add and remove
 * members and rename; any member leaves; the owner cannot leave without transferring ownership.
 * A group I am not a member of is GROUP_NOT_FOUND, whether it exists or not.
 */
@ApiTags('me')
@ApiBearerAuth(USER_SECURITY)
@UserRoute()
@Controller(userPath('groups'))
export class MeGroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Get()
  @ApiOperation({ summary: 'My groups, in id order (cursor pagination)' })
  @ApiOkResponse({ type: GroupPageResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid limit or cursor' })
  list(@CurrentUser() me: UserPrincipal, @Query() query: PageQueryDto): Promise<GroupPageResponse> {
    return this.groups.list(query.limit, me.userId, query.cursor);
  }

  @Get(':groupId')
  @ApiOperation({ summary: 'One of my groups, with its members' })
  @ApiOkResponse({ type: GroupResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid group id', GROUP_NOT_FOUND: 'No such group, or I am not a member' })
  get(@CurrentUser() me: UserPrincipal, @Param('groupId', GroupIdPipe) groupId: string): Promise<GroupResponse> {
    return this.groups.ofMember(me.userId, groupId);
  }

  @Post()
  @ApiOperation({ summary: 'Create a group that I own, with its first members' })
  @ApiCreatedResponse({ type: GroupResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid body', USER_NOT_FOUND: UNKNOWN_USER, GROUP_FULL: 'More members than GROUP_MAX_MEMBERS', DEPENDENCY_UNAVAILABLE: NOT_ANNOUNCED_DESCRIPTION })
  async create(@CurrentUser() me: UserPrincipal, @Body() dto: CreateMyGroupDto): Promise<GroupResponse> {
    return (await this.groups.apply(newGroupId(), { action: 'create', ...dto }, { kind: 'user', userId: me.userId }))!;
  }

  @Patch(':groupId')
  @ApiOperation({ summary: 'Rename one of my groups or replace its attributes (owner or admin)' })
  @ApiOkResponse({ type: GroupResponse })
  @ApiErrorResponses(CHANGE_ERRORS)
  update(@CurrentUser() me: UserPrincipal, @Param('groupId', GroupIdPipe) groupId: string, @Body() dto: UpdateGroupDto): Promise<GroupResponse> {
    return this.change(me, groupId, { action: 'update', ...dto });
  }

  @Post(':groupId/members')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add members to one of my groups (owner or admin; members already are left as they are)' })
  @ApiOkResponse({ type: GroupResponse })
  @ApiErrorResponses({ ...CHANGE_ERRORS, USER_NOT_FOUND: UNKNOWN_USER, GROUP_FULL: 'More members than GROUP_MAX_MEMBERS' })
  addMembers(@CurrentUser() me: UserPrincipal, @Param('groupId', GroupIdPipe) groupId: string, @Body() dto: MembersDto): Promise<GroupResponse> {
    return this.change(me, groupId, { action: 'add_members', members: dto.members });
  }

  @Delete(':groupId/members/:userId')
  @ApiOperation({
    summary: 'Remove a member (owner or admin; an admin only plain members), or leave with my own id',
    description: 'Removing another: 200 with the group. Leaving: 204, and the group is no longer mine to see. The owner transfers ownership before leaving (403).',
  })
  @ApiOkResponse({ type: GroupResponse, description: 'Removed' })
  @ApiNoContentResponse({ description: 'I left' })
  @ApiErrorResponses({ ...CHANGE_ERRORS, NOT_A_MEMBER: 'The user is not a member' })
  async removeMember(
    @CurrentUser() me: UserPrincipal,
    @Param('groupId', GroupIdPipe) groupId: string,
    @Param('userId', UserIdPipe) userId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<GroupResponse | void> {
    if (userId !== me.userId) return this.change(me, groupId, { action: 'remove_member', member_id: userId });
    await this.change(me, groupId, { action: 'leave' });
    res.status(204);
  }

  /** A change of a group I am a member of (GROUP_NOT_FOUND otherwise), by the rules, as me. */
  private async change(me: UserPrincipal, groupId: string, op: GroupOperation): Promise<GroupState> {
    await this.groups.ofMember(me.userId, groupId);
    return (await this.groups.apply(groupId, op, { kind: 'user', userId: me.userId }))!;
  }
}
