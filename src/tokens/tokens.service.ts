import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { TopicLayout, userGrants } from '@app/protocol';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig } from '../config';
import { ConnectionsService } from '../connections';
import { UserDeletionHooks, UserDisableHooks } from '../users/user-hooks';
import { UsersService } from '../users/users.service';
import { BrokerJwtService } from '../broker';
import { BrokerTokenResponse } from './dto/broker-token.response';

/** Broker tokens for registered, enabled users, and cutting a user off the broker. */
@Injectable()
export class TokensService implements OnModuleInit {
  private readonly logger = new Logger(TokensService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly jwt: BrokerJwtService,
    private readonly layout: TopicLayout,
    private readonly connections: ConnectionsService,
    private readonly disableHooks: UserDisableHooks,
    private readonly deletionHooks: UserDeletionHooks,
  ) {}

  onModuleInit(): void {
    this.disableHooks.register((userId) => this.cutOff(userId, 'user disabled'));
    this.deletionHooks.register((userId) => this.cutOff(userId, 'user deleted'));
  }

  /** TOKEN_TTL_SECONDS when no ttl is asked for; at most TOKEN_MAX_TTL_SECONDS (a disabled user keeps a valid token until it expires). */
  async issue(userId: string, ttlSeconds = this.config.tokens.defaultTtlSeconds): Promise<BrokerTokenResponse> {
    const max = this.config.tokens.maxTtlSeconds;
    if (ttlSeconds > max) throw new DomainError(ErrorCode.VALIDATION_FAILED, `ttl_seconds must be at most ${max} (TOKEN_MAX_TTL_SECONDS)`);
    const user = await this.users.get(userId);
    if (user.disabled) throw new DomainError(ErrorCode.USER_DISABLED, `user ${userId} is disabled`);
    const grants = userGrants(this.layout, userId, this.jwt.audience);
    const { token, expiresAt } = this.jwt.sign({ sub: userId, scope: grants.scopes }, ttlSeconds);
    return {
      token,
      expires_at: expiresAt * 1000,
      expires_in: ttlSeconds,
      mqtt_urls: this.config.broker.mqttUrls,
      client_id_prefix: grants.clientIdPrefix,
      publish: grants.publish,
      subscribe: grants.subscribe,
    };
  }

  /** Closes the live broker connections made with the user's token (it may still be valid: see docs/tokens.md). */
  disconnect(userId: string, reason: string): Promise<number> {
    return this.connections.closeUserConnections(userId, reason);
  }

  // Best effort: the user is already stored as disabled (or about to be deleted), and the pipeline
  // refuses their messages whatever happens here; a broker hiccup must not undo or block that.
  private async cutOff(userId: string, reason: string): Promise<void> {
    if (!this.connections.canClose) {
      this.logger.warn({ user_id: userId }, 'RABBITMQ_MANAGEMENT_URL is not set: the user\'s live connections stay open');
      return;
    }
    try {
      await this.disconnect(userId, reason);
    } catch (err) {
      this.logger.warn({ user_id: userId, error: (err as Error).message }, 'could not close the user\'s broker connections');
    }
  }
}
