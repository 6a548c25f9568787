import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AmqpConnection, AmqpCredentials } from '@app/amqp-transport';
import { AppConfig } from '../config';
import { BrokerJwtService } from '../tokens/broker-jwt.service';

const SERVICE_TOKEN_TTL_SECONDS = 3600;
const RENEW_BEFORE_SECONDS = 600;

/**
 * The engine's own broker login. With RABBITMQ_USER / RABBITMQ_PASSWORD set it uses them;
 * otherwise it signs itself a short-lived service token and renews it on every open connection
 * (AMQP update-secret) well before it expires, so no long-lived token is ever copied by hand.
 */
@Injectable()
export class BrokerCredentials implements OnModuleDestroy {
  private readonly logger = new Logger(BrokerCredentials.name);
  private readonly connections = new Set<AmqpConnection>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly jwt: BrokerJwtService,
  ) {}

  get usesServiceToken(): boolean {
    return !this.config.broker.user;
  }

  /** Credentials for a new connection (a fresh token each time). */
  current = (): AmqpCredentials => {
    const { user, password } = this.config.broker;
    if (user && password) return { username: user, password };
    return { username: 'messaging-engine', password: this.serviceToken() };
  };

  /** Keeps the token of this connection fresh while it is open. */
  track(connection: AmqpConnection): void {
    if (!this.usesServiceToken) return;
    this.connections.add(connection);
    if (!this.timer) this.scheduleRenewal();
  }

  onModuleDestroy(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private serviceToken(): string {
    // vhost/resource/routing-key: without the routing-key part, topic permissions are refused.
    const all = '*/*/*';
    return this.jwt.sign(
      {
        sub: 'messaging-engine',
        scope: [
          this.jwt.scope('configure', '*/*'),
          this.jwt.scope('write', all),
          this.jwt.scope('read', all),
          this.jwt.scope('tag', 'administrator'),
        ],
      },
      SERVICE_TOKEN_TTL_SECONDS,
    ).token;
  }

  private scheduleRenewal(): void {
    this.timer = setTimeout(() => void this.renew(), (SERVICE_TOKEN_TTL_SECONDS - RENEW_BEFORE_SECONDS) * 1000);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const token = this.serviceToken();
    for (const connection of this.connections) {
      try {
        await connection.updateSecret(token, 'service token renewal');
      } catch (err) {
        this.logger.warn({ error: (err as Error).message }, 'could not renew the broker token on a connection');
      }
    }
    this.logger.log({ connections: this.connections.size }, 'broker service token renewed');
    this.scheduleRenewal();
  }
}
