import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig } from '../config';

/** Who made an admin request. */
export interface AdminPrincipal {
  kind: 'api-key' | 'jwt';
  /** `api-key`, or the admin JWT's `sub`. */
  subject: string;
}

/** The role an admin JWT must carry: `role: "admin"` or `roles: [..., "admin", ...]`. */
export const ADMIN_ROLE = 'admin';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** 401; `invalidToken` says a credential was given but refused (RFC 6750 error="invalid_token"). */
function unauthorized(message: string, invalidToken: boolean): DomainError {
  return new DomainError(ErrorCode.UNAUTHORIZED, message, { invalidToken });
}

/**
 * Checks the admin API's bearer credential: the admin API key (ADMIN_API_KEY), compared in
 * constant time on SHA-256 digests so neither its content nor its length leaks, or an HS256
 * admin JWT signed with ADMIN_JWT_SECRET that expires and carries the admin role.
 */
@Injectable()
export class AdminAuthService implements OnModuleInit {
  private readonly logger = new Logger(AdminAuthService.name);
  private readonly keyDigest?: Buffer;

  constructor(
    private readonly config: AppConfig,
    private readonly jwt: JwtService,
  ) {
    if (config.admin.apiKey) this.keyDigest = sha256(config.admin.apiKey);
  }

  get configured(): boolean {
    return Boolean(this.keyDigest || this.config.admin.jwt);
  }

  onModuleInit(): void {
    // Production refuses to boot like this (validateEnv); elsewhere the admin plane stays shut.
    if (!this.configured) {
      this.logger.warn('neither ADMIN_API_KEY nor ADMIN_JWT_SECRET is set: every admin API call answers 401 (docs/tokens.md)');
    }
  }

  /** Who the Authorization header authenticates; throws UNAUTHORIZED, or FORBIDDEN for an admin JWT without the role. */
  authenticate(authorization: string | undefined): AdminPrincipal {
    if (!this.configured) {
      throw unauthorized('admin authentication is not configured on this engine: set ADMIN_API_KEY or ADMIN_JWT_SECRET', false);
    }
    const credential = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
    if (!credential) throw unauthorized('missing credential: send "Authorization: Bearer <admin API key or admin JWT>"', false);
    if (this.keyDigest && timingSafeEqual(sha256(credential), this.keyDigest)) return { kind: 'api-key', subject: 'api-key' };
    if (this.config.admin.jwt && JWT_SHAPE.test(credential)) return this.verifyJwt(credential, this.config.admin.jwt);
    throw unauthorized('invalid admin credential', true);
  }

  private verifyJwt(token: string, settings: NonNullable<AppConfig['admin']['jwt']>): AdminPrincipal {
    let claims: Record<string, unknown>;
    try {
      claims = this.jwt.verify<Record<string, unknown>>(token, {
        secret: settings.secret,
        algorithms: ['HS256'],
        audience: settings.audience,
        issuer: settings.issuer,
        clockTolerance: 5,
      });
    } catch (err) {
      const { name, message } = err as Error;
      throw unauthorized(name === 'TokenExpiredError' ? 'admin token expired' : `invalid admin token: ${message}`, true);
    }
    if (typeof claims.exp !== 'number') throw unauthorized('invalid admin token: it has no exp (admin tokens must expire)', true);
    const roles = Array.isArray(claims.roles) ? claims.roles : [];
    if (claims.role !== ADMIN_ROLE && !roles.includes(ADMIN_ROLE)) {
      throw new DomainError(ErrorCode.FORBIDDEN, `the admin token lacks the admin role (claim role: "${ADMIN_ROLE}" or roles: ["${ADMIN_ROLE}"])`);
    }
    return { kind: 'jwt', subject: typeof claims.sub === 'string' ? claims.sub : 'admin-jwt' };
  }
}
