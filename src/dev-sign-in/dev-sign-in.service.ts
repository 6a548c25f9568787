import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors';
import { BrokerTokenResponse } from '../tokens/dto/broker-token.response';
import { TokensService } from '../tokens/tokens.service';
import { UsersService } from '../users/users.service';

/**
 * The development sign-in (DEV_SIGN_IN): whoever asks gets a token for the user they name,
 * registered first when new. For trying the engine and the web app locally; in production an app's
 * own backend signs its users in and asks the admin API for their tokens (docs/web-client.md).
 */
@Injectable()
export class DevSignInService {
  private readonly logger = new Logger(DevSignInService.name);

  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokensService,
  ) {}

  async signIn(userId: string): Promise<BrokerTokenResponse> {
    if (!(await this.exists(userId))) {
      // put() is safe against a concurrent sign-in of the same new user: the second one updates.
      await this.users.put(userId, { display_name: userId });
      this.logger.log({ user_id: userId }, 'user registered by the development sign-in');
    }
    // A disabled user gets USER_DISABLED here, as from the admin API.
    const answer = await this.tokens.issue(userId);
    this.logger.log({ user_id: userId }, 'development sign-in');
    return answer;
  }

  private async exists(userId: string): Promise<boolean> {
    try {
      await this.users.get(userId);
      return true;
    } catch (err) {
      if (err instanceof DomainError && err.code === ErrorCode.USER_NOT_FOUND) return false;
      throw err;
    }
  }
}
