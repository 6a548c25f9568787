import { Injectable } from '@nestjs/common';
import { AmqpCredentials } from '@app/amqp-transport';
import { AppConfig } from '../config';
import { BrokerJwtService } from './broker-jwt.service';

/** Signed afresh for every management call, so it only has to outlive one HTTP request. */
const SERVICE_TOKEN_TTL_SECONDS = 300;

/**
 * The engine's broker logins.
 * - AMQP (`amqp`): RABBITMQ_USER / RABBITMQ_PASSWORD (PLAIN) when set, for operators' own brokers;
 *   otherwise SASL EXTERNAL: the broker takes the identity from the client certificate
 *   (RABBITMQ_TLS_CERT_FILE), which the connection reads again at every reconnection. No token
 *   logs in over AMQP: the broker's AMQP listener takes certificates only (docs/tokens.md).
 * - The management HTTP API (`current`): the same user and password, or else a short-lived
 *   service token (tagged administrator) sent as a Bearer token.
 */
@Injectable()
export class BrokerCredentials {
  constructor(
    private readonly config: AppConfig,
    private readonly jwt: BrokerJwtService,
  ) {}

  /** True when the management API is called with the engine's own service token. */
  get usesServiceToken(): boolean {
    return !this.config.broker.user;
  }

  /** The AMQP login, asked for before every connection attempt. */
  amqp = (): AmqpCredentials => {
    const { user, password } = this.config.broker;
    if (user && password) return { username: user, password };
    return { external: true };
  };

  /** The management API login (a fresh service token each time, unless a broker user is set). */
  current = (): { username: string; password: string } => {
    const { user, password } = this.config.broker;
    if (user && password) return { username: user, password };
    return { username: 'messaging-engine', password: this.serviceToken() };
  };

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
}
