import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrorResponses } from '../common/errors';
import { adminPath, UserIdPipe } from '../common/http';
import { NOT_ANNOUNCED_DESCRIPTION } from '../policy/events';
import { ListUsersQueryDto } from './dto/list-users-query.dto';
import { PutUserDto } from './dto/put-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserPageResponse, UserResponse } from './dto/user.response';
import { UserStatusDto } from './dto/user-status.dto';
import { UsersService } from './users.service';

const LOCATION = { Location: { description: 'URL of the created user', schema: { type: 'string' } } };

@ApiTags('users')
@Controller(adminPath('users'))
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Put(':userId')
  @ApiOperation({ summary: 'Create a user, or replace the profile of an existing one (its status is kept)' })
  @ApiCreatedResponse({ type: UserResponse, description: 'Created', headers: LOCATION })
  @ApiOkResponse({ type: UserResponse, description: 'Existing user, profile replaced' })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id or body', CONFLICT: 'Deleted and created concurrently; retry', DEPENDENCY_UNAVAILABLE: NOT_ANNOUNCED_DESCRIPTION })
  async put(
    @Param('userId', UserIdPipe) userId: string,
    @Body() dto: PutUserDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UserResponse> {
    const { user, created } = await this.users.put(userId, dto);
    if (created) res.status(201).location(`/${adminPath(`users/${userId}`)}`);
    return user;
  }

  @Get()
  @ApiOperation({ summary: 'Page through the users in id order, optionally only disabled or enabled ones' })
  @ApiOkResponse({ type: UserPageResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid limit, cursor or disabled filter' })
  list(@Query() query: ListUsersQueryDto): Promise<UserPageResponse> {
    return this.users.list(query);
  }

  @Get(':userId')
  @ApiOperation({ summary: 'One user' })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id', USER_NOT_FOUND: 'No such user' })
  get(@Param('userId', UserIdPipe) userId: string): Promise<UserResponse> {
    return this.users.get(userId);
  }

  @Patch(':userId')
  @ApiOperation({ summary: 'Change the display name and/or the metadata of a user' })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id, or a body without a field to change', USER_NOT_FOUND: 'No such user' })
  update(@Param('userId', UserIdPipe) userId: string, @Body() dto: UpdateUserDto): Promise<UserResponse> {
    return this.users.update(userId, dto);
  }

  @Put(':userId/status')
  @ApiOperation({
    summary: 'Disable or enable a user',
    description: "A disabled user's next message, on any engine instance, is refused with SENDER_DISABLED.",
  })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrorResponses({
    VALIDATION_FAILED: 'Invalid user id or body (a reason is required to disable)',
    USER_NOT_FOUND: 'No such user',
    DEPENDENCY_UNAVAILABLE: NOT_ANNOUNCED_DESCRIPTION,
  })
  setStatus(@Param('userId', UserIdPipe) userId: string, @Body() dto: UserStatusDto): Promise<UserResponse> {
    return this.users.setStatus(userId, dto);
  }

  @Delete(':userId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a user and their blocks (both those they made and those of them)',
    description: 'Their messages are kept: they stay in the history of the users they talked to.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id', USER_NOT_FOUND: 'No such user', DEPENDENCY_UNAVAILABLE: NOT_ANNOUNCED_DESCRIPTION })
  delete(@Param('userId', UserIdPipe) userId: string): Promise<void> {
    return this.users.delete(userId);
  }
}
