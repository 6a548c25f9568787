import { CanActivate, ExecutionContext, HttpException, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Response } from 'express';
import { DomainError, ErrorCode } from '../common/errors';
import { UserAuthService } from './user-auth.service';
import { isUserRoute, UserRequest } from './user-route.decorator';

/**
 * Global, first: on @UserRoute() routes only, authenticates the user's broker token and records
 * who made the request (`req.user`), for the rate limit (per user) and the route. Every other
 * route is left to the admin guards.
 */
@Injectable()
export class UserAuthGuard implements CanActivate {
  private readonly logger = new Logger('UserAuth');

  constructor(
    private readonly reflector: Reflector,
    private readonly auth: UserAuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || !isUserRoute(this.reflector, context)) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<UserRequest>();
    try {
      req.user = await this.auth.authenticate(req.headers.authorization);
      return true;
    } catch (err) {
      // UNAUTHORIZED as a DomainError, USER_DISABLED as a 401 HttpException carrying its code.
      const code = err instanceof DomainError ? err.code : err instanceof HttpException ? (err.getResponse() as { code?: ErrorCode }).code : undefined;
      if (code) {
        const invalid = code !== ErrorCode.UNAUTHORIZED || (err instanceof DomainError && err.details?.invalidToken === true);
        http.getResponse<Response>().setHeader('WWW-Authenticate', `Bearer realm="user"${invalid ? ', error="invalid_token"' : ''}`);
        // Never the token itself: only where the attempt came from and why it failed.
        this.logger.warn({ ip: req.ip, method: req.method, url: req.originalUrl, code }, `user request refused: ${(err as Error).message}`);
      }
      throw err;
    }
  }
}
