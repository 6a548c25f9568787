import { Body, Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, UserPrincipal, UserRoute } from '../auth';
import { ApiErrorResponses } from '../common/errors';
import { userPath } from '../common/http';
import { PresenceResponse, SeenPresenceListResponse, SeenPresenceQueryDto, SetPresenceDto } from '../presence/dto/presence.dto';
import { PresenceService } from '../presence/presence.service';
import { USER_SECURITY } from './user-security';

@ApiTags('me')
@ApiBearerAuth(USER_SECURITY)
@UserRoute()
@Controller(userPath('presence'))
export class MePresenceController {
  constructor(private readonly presence: PresenceService) {}

  @Get()
  @ApiOperation({ summary: 'My presence: status as I set it, text, last seen, live connections' })
  @ApiOkResponse({ type: PresenceResponse })
  async get(@CurrentUser() me: UserPrincipal): Promise<PresenceResponse> {
    return (await this.presence.query([me.userId]))[0];
  }

  @Put()
  @ApiOperation({
    summary: 'Set my status (and text) while I am online, as a presence command would',
    description: 'A status lasts until changed or until all my connections close; offline, there is none to set (409).',
  })
  @ApiOkResponse({ type: PresenceResponse })
  @ApiErrorResponses({
    VALIDATION_FAILED: 'Invalid body',
    CONFLICT: 'I am offline (no live MQTT connection)',
    DEPENDENCY_UNAVAILABLE: 'No presence leader answered (broker unreachable, or no instance leads presence)',
  })
  async set(@CurrentUser() me: UserPrincipal, @Body() dto: SetPresenceDto): Promise<PresenceResponse> {
    await this.presence.setStatus(me.userId, dto.status, dto.text ?? undefined);
    return (await this.presence.query([me.userId]))[0];
  }

  @Post('query')
  @HttpCode(200)
  @ApiOperation({
    summary: 'The presence of up to 1,000 users as I may see them',
    description: 'A user in a block with me (either way) and an invisible one show offline; unknown ids show offline.',
  })
  @ApiOkResponse({ type: SeenPresenceListResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Not a list of at most 1,000 valid user ids' })
  async query(@CurrentUser() me: UserPrincipal, @Body() dto: SeenPresenceQueryDto): Promise<SeenPresenceListResponse> {
    return { presence: await this.presence.seenBy(me.userId, dto.users) };
  }
}
