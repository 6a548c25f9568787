import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config';

export interface SignedBrokerToken {
  token: string;
  /** Expiry, seconds since the epoch. */
  expiresAt: number;
}

export interface BrokerClaims {
  sub: string;
  client_id?: string;
  scope: string[];
}

/**
 * Signs JWTs that RabbitMQ's oauth2 backend accepts: HS256 with the active key (its `kid` in the
 * header), `aud` = the broker's resource server id, and scopes of the form
 * `<aud>.<read|write|configure>:<vhost>/<resource>[/<routing key>]` (docs/tokens.md).
 */
@Injectable()
export class BrokerJwtService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  get audience(): string {
    return this.config.jwt.audience;
  }

  /** A scope string for this broker, e.g. scope('read', 'VHOST/amq.topic/KEY'). */
  scope(permission: 'read' | 'write' | 'configure' | 'tag', resource: string): string {
    return `${this.audience}.${permission}:${resource}`;
  }

  sign(claims: BrokerClaims, ttlSeconds: number): SignedBrokerToken {
    const { kid, secret } = this.config.jwt.activeKey;
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = now + ttlSeconds;
    const token = this.jwt.sign(
      { ...claims, aud: [this.audience], iat: now, exp: expiresAt },
      { secret, algorithm: 'HS256', header: { alg: 'HS256', typ: 'JWT', kid } },
    );
    return { token, expiresAt };
  }
}
