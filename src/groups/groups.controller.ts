import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { newGroupId } from '@app/protocol';
import { ApiErrorResponses } from '../common/errors';
import { adminPath, GroupIdPipe, UserIdPipe } from '../common/http';
import { MessagePageResponse } from '../messages/dto/message.response';
import { NOT_ANNOUNCED_DESCRIPTION } from '../policy/events';
import { GroupActor, GroupOperation } from './group.rules';
import { CreateGroupDto, GroupHistoryQueryDto, ListGroupsQueryDto, MemberRoleDto, MembersDto, ReplaceMembersDto, TransferOwnershipDto, UpdateGroupDto } from './dto/group.dto';
import { GroupPageResponse, GroupResponse } from './dto/group.response';
import { GroupsService } from './groups.service';

const ADMIN: GroupActor = { kind: 'admin' };
const CHANGE_ERRORS = {
  VALIDATION_FAILED: 'Invalid group id, user id or body',
  GROUP_NOT_FOUND: 'No such group',
  DEPENDENCY_UNAVAILABLE: NOT_ANNOUNCED_DESCRIPTION,
} as const;
const UNKNOWN_USER = 'A user is not registered (only with REQUIRE_REGISTERED_RECIPIENTS)';

/**
 * Groups for the admins. Every change is stored, applied by every engine instance to the next
 * message, and told to the members (a system message, and the new state on `clientupdated`):
 * docs/groups.md. The admin API may make any change the rules allow the owner.
 */
@ApiTags('groups')
@Controller(adminPath('groups'))
export class GroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a group with its owner and first members' })
  @ApiCreatedResponse({ type: GroupResponse })
  @ApiErrorResponses({ ...CHANGE_ERRORS, USER_NOT_FOUND: UNKNOWN_USER, CONFLICT: 'The group id is taken', GROUP_FULL: 'More members than GROUP_MAX_MEMBERS' })
  create(@Body() dto: CreateGroupDto): Promise<GroupResponse> {
    const { group_id = newGroupId(), ...op } = dto;
    return this.change(group_id, { action: 'create', ...op });
  }

  @Get()
  @ApiOperation({ summary: 'All groups, or a user\'s, in id order (cursor pagination)' })
  @ApiOkResponse({ type: GroupPageResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid member, limit or cursor' })
  list(@Query() query: ListGroupsQueryDto): Promise<GroupPageResponse> {
    return this.groups.list(query.limit, query.member, query.cursor);
  }

  @Get(':groupId')
  @ApiOperation({ summary: 'One group, with its members' })
  @ApiOkResponse({ type: GroupResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid group id', GROUP_NOT_FOUND: 'No such group' })
  get(@Param('groupId', GroupIdPipe) groupId: string): Promise<GroupResponse> {
    return this.groups.get(groupId);
  }

  @Patch(':groupId')
  @ApiOperation({ summary: 'Rename the group or replace its attributes' })
  @ApiOkResponse({ type: GroupResponse })
  @ApiErrorResponses(CHANGE_ERRORS)
  update(@Param('groupId', GroupIdPipe) groupId: string, @Body() dto: UpdateGroupDto): Promise<GroupResponse> {
    return this.change(groupId, { action: 'update', ...dto });
  }

  @Post(':groupId/members')
  @ApiOperation({ summary: 'Add members (those who are members already are left as they are)' })
  @ApiOkResponse({ type: GroupResponse })
  @ApiErrorResponses({ ...CHANGE_ERRORS, USER_NOT_FOUND: UNKNOWN_USER, GROUP_FULL: 'More members than GROUP_MAX_MEMBERS' })
  addMembers(@Param('groupId', GroupIdPipe) groupId: string, @Body() dto: MembersDto): Promise<GroupResponse> {
    return this.change(groupId, { action: 'add_members', members: dto.members });
  }

  @Put(':groupId/members')
  @ApiOperation({ summary: 'Replace the member list (the owner stays)' })
  @ApiOkResponse({ type: GroupResponse })
  @ApiErrorResponses({ ...CHANGE_ERRORS, USER_NOT_FOUND: UNKNOWN_USER, GROUP_FULL: 'More members than GROUP_MAX_MEMBERS' })
  replaceMembers(@Param('groupId', GroupIdPipe) groupId: string, @Body() dto: ReplaceMembersDto): Promise<GroupResponse> {
    return this.change(groupId, { action: 'replace_members', members: dto.members });
  }

  @Delete(':groupId/members/:userId')
  @ApiOperation({ summary: 'Remove a member (not the owner: transfer ownership first)' })
  @ApiOkResponse({ type: GroupResponse })
  @ApiErrorResponses({ ...CHANGE_ERRORS, NOT_A_MEMBER: 'The user is not a member', FORBIDDEN: 'The user is the owner' })
  removeMember(@Param('groupId', GroupIdPipe) groupId: string, @Param('userId', UserIdPipe) userId: string): Promise<GroupResponse> {
    return this.change(groupId, { action: 'remove_member', member_id: userId });
  }

  @Put(':groupId/members/:userId/role')
  @ApiOperation({ summary: 'Make a member an admin, or an admin a member' })
  @ApiOkResponse({ type: GroupResponse })
  @ApiErrorResponses({ ...CHANGE_ERRORS, NOT_A_MEMBER: 'The user is not a member', FORBIDDEN: 'The user is the owner' })
  setRole(@Param('groupId', GroupIdPipe) groupId: string, @Param('userId', UserIdPipe) userId: string, @Body() dto: MemberRoleDto): Promise<GroupResponse> {
    return this.change(groupId, { action: 'set_role', member_id: userId, role: dto.role });
  }

  @Post(':groupId/owner')
  @HttpCode(200)
  @ApiOperation({ summary: 'Transfer ownership to a member (the old owner becomes an admin)' })
  @ApiOkResponse({ type: GroupResponse })
  @ApiErrorResponses({ ...CHANGE_ERRORS, NOT_A_MEMBER: 'The new owner is not a member' })
  transfer(@Param('groupId', GroupIdPipe) groupId: string, @Body() dto: TransferOwnershipDto): Promise<GroupResponse> {
    return this.change(groupId, { action: 'transfer_ownership', member_id: dto.member_id });
  }

  @Delete(':groupId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the group (members get `clientdeleted`; its messages stay in history)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponses(CHANGE_ERRORS)
  async remove(@Param('groupId', GroupIdPipe) groupId: string): Promise<void> {
    await this.groups.apply(groupId, { action: 'delete' }, ADMIN);
  }

  @Get(':groupId/messages')
  @ApiOperation({
    summary: 'Page through the group\'s timeline, in time order',
    description: 'With `member`: what that member may see (GROUP_HISTORY_FOR_NEW_MEMBERS=since_join: from when they joined).',
  })
  @ApiOkResponse({ type: MessagePageResponse })
  @ApiErrorResponses({
    VALIDATION_FAILED: 'Invalid group id, member, limit, order, cursor or around (or both cursor and around)',
    GROUP_NOT_FOUND: 'No such group',
    NOT_A_MEMBER: 'The user is not a member',
    MESSAGE_NOT_FOUND: 'around: no such message in the group (for the member: that they may see)',
  })
  history(
    @Param('groupId', GroupIdPipe) groupId: string,
    @Query() query: GroupHistoryQueryDto,
  ): Promise<MessagePageResponse> {
    return this.groups.history(groupId, query, query.member);
  }

  /** A change made by the admin API that leaves a group (all but delete). */
  private async change(groupId: string, op: GroupOperation): Promise<GroupResponse> {
    return (await this.groups.apply(groupId, op, ADMIN))!;
  }
}
