import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth';
import { ApiErrorResponses } from '../common/errors';
import { BrokerTokenResponse } from '../tokens/dto/broker-token.response';
import { DevSignInService } from './dev-sign-in.service';
import { DevSignInDto } from './dto/dev-sign-in.dto';

/** Only mounted with DEV_SIGN_IN=true (AppModule); otherwise the route does not exist (404). */
@ApiTags('dev')
@Public()
@Controller('v1/dev')
export class DevSignInController {
  constructor(private readonly signIns: DevSignInService) {}

  @Post('sign-in')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Development only (DEV_SIGN_IN=true): sign in as any user, registered if new, and get their broker token',
    description:
      'No credential: anyone who can reach the engine gets a token for any user. Exists only when DEV_SIGN_IN=true, ' +
      'which the engine refuses with NODE_ENV=production. In production an app\'s backend asks POST /admin/v1/users/{userId}/tokens.',
  })
  @ApiOkResponse({ type: BrokerTokenResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'userId missing or not a valid user id', USER_DISABLED: 'The user is disabled' })
  signIn(@Body() dto: DevSignInDto): Promise<BrokerTokenResponse> {
    return this.signIns.signIn(dto.userId);
  }
}
