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

/** A token this engine signed, as verified: its claims and its lifetime (seconds since the epoch). */
export interface VerifiedBrokerToken extends BrokerClaims {
  iat: number;
  exp: number;
}

/** Why a token was refused (never the token itself). */
export class BrokerTokenRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'BrokerTokenRefused';
  }
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

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

  /**
   * Checks a token as the broker would: HS256 with the key its `kid` names, the active one or one
   * of JWT_PREVIOUS_KEYS (docs/tokens.md#key-rotation), our audience, not expired, with `sub`,
   * `iat`, `exp` and a list of scopes. Throws BrokerTokenRefused saying why.
   */
  verify(token: string): VerifiedBrokerToken {
    if (!JWT_SHAPE.test(token)) throw new BrokerTokenRefused('not a JWT');
    const header = this.jwt.decode<{ header?: { kid?: unknown } } | null>(token, { complete: true })?.header;
    const key = this.config.jwt.keys.find((k) => k.kid === header?.kid);
    if (!key) throw new BrokerTokenRefused('unknown signing key (kid)');
    let claims: Record<string, unknown>;
    try {
      claims = this.jwt.verify<Record<string, unknown>>(token, { secret: key.secret, algorithms: ['HS256'], audience: this.audience, clockTolerance: 5 });
    } catch (err) {
      const { name, message } = err as Error;
      throw new BrokerTokenRefused(name === 'TokenExpiredError' ? 'token expired' : `invalid token: ${message}`);
    }
    const { sub, iat, exp, scope } = claims;
    if (typeof sub !== 'string' || typeof iat !== 'number' || typeof exp !== 'number' || !Array.isArray(scope) || !scope.every((s) => typeof s === 'string')) {
      throw new BrokerTokenRefused('invalid token: it lacks sub, iat, exp or scope');
    }
    return { sub, iat, exp, scope: scope as string[] };
  }
}
