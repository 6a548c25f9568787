import { Injectable, UnauthorizedException } from '@nestjs/common';
import { isValidUserId, TopicLayout, userGrants } from '@app/protocol';
import { BrokerJwtService, BrokerTokenRefused } from '../broker';
import { DomainError, ErrorCode } from '../common/errors';
import { UserStateCache } from '../policy/user-state.cache';
import { UserPrincipal } from './user-route.decorator';

/** 401; `invalidToken` says a credential was given but refused (RFC 6750 error="invalid_token"). */
function unauthorized(message: string, invalidToken: boolean): DomainError {
  return new DomainError(ErrorCode.UNAUTHORIZED, message, { invalidToken });
}

/**
 * Checks the user API's credential: the user's own broker token (the JWT the engine issues for
 * MQTT), verified as the broker does (signature with the active or a previous key, audience,
 * expiry), carrying no grant beyond the user's own (so never the engine's service tokens), for a
 * registered user who is not disabled: read from the policy cache, which every instance keeps
 * current by events, so no database read per request.
 */
@Injectable()
export class UserAuthService {
  constructor(
    private readonly jwt: BrokerJwtService,
    private readonly layout: TopicLayout,
    private readonly users: UserStateCache,
  ) {}

  /** Who the Authorization header authenticates; throws 401 (UNAUTHORIZED, or USER_DISABLED for a disabled user). */
  async authenticate(authorization: string | undefined): Promise<UserPrincipal> {
    const token = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
    if (!token) throw unauthorized('missing credential: send "Authorization: Bearer <your broker token>"', false);
    let claims;
    try {
      claims = this.jwt.verify(token);
    } catch (err) {
      if (err instanceof BrokerTokenRefused) throw unauthorized(err.reason, true);
      throw err;
    }
    const { sub, scope, iat, exp } = claims;
    if (!isValidUserId(sub)) throw unauthorized('invalid token: its subject is not a user id', true);
    const own = new Set(userGrants(this.layout, sub, this.jwt.audience).scopes);
    if (!scope.every((s) => own.has(s))) throw unauthorized('invalid token: not a user token', true);
    const state = await this.users.state(sub);
    if (!state.exists) throw unauthorized('the token\'s user is not registered', true);
    // 401 like any refused token, with its own code: refreshing will not help (docs/user-api.md).
    if (state.disabled) throw new UnauthorizedException({ code: ErrorCode.USER_DISABLED, message: `user ${sub} is disabled` });
    return { userId: sub, issuedAt: iat, expiresAt: exp };
  }
}
