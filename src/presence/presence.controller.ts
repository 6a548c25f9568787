import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/errors';
import { adminPath, UserIdPipe } from '../common/http';
import { UsersService } from '../users/users.service';
import { PresenceListResponse, PresenceQueryDto, PresenceResponse, SetPresenceDto } from './dto/presence.dto';
import { PresenceService } from './presence.service';

@ApiTags('presence')
@Controller()
export class PresenceController {
  constructor(
    private readonly presence: PresenceService,
    private readonly users: UsersService,
  ) {}

  @Get(adminPath('users/:userId/presence'))
  @ApiOperation({ summary: "A user's presence: status (a set `invisible` shown as such), text, last seen, live connections" })
  @ApiOkResponse({ type: PresenceResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id', USER_NOT_FOUND: 'No such user' })
  async get(@Param('userId', UserIdPipe) userId: string): Promise<PresenceResponse> {
    await this.users.assertRegistered(userId);
    return (await this.presence.query([userId]))[0];
  }

  @Put(adminPath('users/:userId/presence'))
  @ApiOperation({
    summary: "Set an online user's status (and text), as the user could with a presence command",
    description: 'A status lasts until changed or until all the user\'s connections close; an offline user has none to set (409).',
  })
  @ApiOkResponse({ type: PresenceResponse })
  @ApiErrorResponses({
    VALIDATION_FAILED: 'Invalid user id or body',
    USER_NOT_FOUND: 'No such user',
    CONFLICT: 'The user is offline',
    DEPENDENCY_UNAVAILABLE: 'No presence leader answered (broker unreachable, or no instance leads presence)',
  })
  async set(@Param('userId', UserIdPipe) userId: string, @Body() dto: SetPresenceDto): Promise<PresenceResponse> {
    await this.users.assertRegistered(userId);
    await this.presence.setStatus(userId, dto.status, dto.text ?? undefined);
    return (await this.presence.query([userId]))[0];
  }

  @Post(adminPath('presence/query'))
  @HttpCode(200)
  @ApiOperation({ summary: 'The presence of up to 1,000 users at once (unknown ids show offline)' })
  @ApiOkResponse({ type: PresenceListResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Not a list of at most 1,000 valid user ids' })
  async query(@Body() dto: PresenceQueryDto): Promise<PresenceListResponse> {
    return { presence: await this.presence.query(dto.user_ids) };
  }
}
