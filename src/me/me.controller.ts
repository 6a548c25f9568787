import { Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, UserPrincipal, UserRoute } from '../auth';
import { ApiErrorResponses } from '../common/errors';
import { userPath } from '../common/http';
import { AppConfig } from '../config';
import { BrokerTokenResponse } from '../tokens/dto/broker-token.response';
import { TokensService } from '../tokens/tokens.service';
import { UserResponse } from '../users/dto/user.response';
import { UsersService } from '../users/users.service';
import { USER_SECURITY } from './user-security';

/** Lifetimes the broker accepts from the engine (TOKEN_TTL_SECONDS' own bounds). */
const MIN_TTL_SECONDS = 60;

@ApiTags('me')
@ApiBearerAuth(USER_SECURITY)
@UserRoute()
@Controller(userPath())
export class MeController {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokensService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'My user record (as GET /admin/v1/users/{id})' })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrorResponses({ USER_NOT_FOUND: 'Deleted a moment ago' })
  get(@CurrentUser() me: UserPrincipal): Promise<UserResponse> {
    return this.users.get(me.userId);
  }

  @Post('token')
  @ApiOperation({
    summary: 'A fresh broker token: the same grants and lifetime as the one presented (at most TOKEN_MAX_TTL_SECONDS), a new expiry',
    description: 'Call it with a still-valid token before it expires (the SDK: refreshTokenFrom). A disabled user gets 401 USER_DISABLED.',
  })
  @ApiCreatedResponse({ type: BrokerTokenResponse })
  @ApiErrorResponses({ USER_NOT_FOUND: 'Deleted a moment ago' })
  refresh(@CurrentUser() me: UserPrincipal): Promise<BrokerTokenResponse> {
    const lifetime = me.expiresAt - me.issuedAt;
    const ttl = Math.min(Math.max(lifetime, MIN_TTL_SECONDS), this.config.tokens.maxTtlSeconds);
    return this.tokens.issue(me.userId, ttl);
  }
}
