import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/errors';
import { adminPath, UserIdPipe } from '../common/http';
import { BrokerTokenResponse, DisconnectResponse } from './dto/broker-token.response';
import { IssueTokenDto } from './dto/issue-token.dto';
import { TokensService } from './tokens.service';

@ApiTags('tokens')
@Controller(adminPath('users'))
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Post(':userId/tokens')
  @ApiOperation({ summary: 'Issue a broker token (JWT) for a registered, enabled user, with what it allows' })
  @ApiCreatedResponse({ type: BrokerTokenResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id or ttl_seconds', USER_NOT_FOUND: 'No such user', USER_DISABLED: 'User disabled' })
  issue(@Param('userId', UserIdPipe) userId: string, @Body() dto: IssueTokenDto): Promise<BrokerTokenResponse> {
    return this.tokens.issue(userId, dto.ttl_seconds);
  }

  @Post(':userId/disconnect')
  @HttpCode(200)
  @ApiOperation({ summary: "Close the user's live MQTT/AMQP connections on the broker now" })
  @ApiOkResponse({ type: DisconnectResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id', DEPENDENCY_UNAVAILABLE: 'Broker management API not configured or unreachable' })
  async disconnect(@Param('userId', UserIdPipe) userId: string): Promise<DisconnectResponse> {
    return { closed: await this.tokens.disconnect(userId, 'disconnected by an admin') };
  }
}
