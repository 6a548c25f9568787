import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request, Response } from 'express';
import { DomainError, ErrorCode } from '../common/errors';
import { AdminAuthService, AdminPrincipal } from './admin-auth.service';
import { IS_PUBLIC } from './public.decorator';
import { isUserRoute } from './user-route.decorator';

/** True for a route or controller marked @Public(). */
export function isPublic(reflector: Reflector, context: ExecutionContext): boolean {
  return reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]) === true;
}

/**
 * Global: every HTTP route needs an admin credential unless it is @Public() or a @UserRoute()
 * (the user API: the user's own token, UserAuthGuard). The message pipeline's handlers (not HTTP)
 * are not concerned.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly logger = new Logger('AdminAuth');

  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AdminAuthService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || isPublic(this.reflector, context) || isUserRoute(this.reflector, context)) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<Request & { admin?: AdminPrincipal }>();
    try {
      req.admin = this.auth.authenticate(req.headers.authorization);
      return true;
    } catch (err) {
      if (err instanceof DomainError) {
        if (err.code === ErrorCode.UNAUTHORIZED) {
          const invalid = err.details?.invalidToken === true;
          http.getResponse<Response>().setHeader('WWW-Authenticate', `Bearer realm="admin"${invalid ? ', error="invalid_token"' : ''}`);
        }
        // Never the credential itself: only where the attempt came from and why it failed.
        this.logger.warn({ ip: req.ip, method: req.method, url: req.originalUrl, code: err.code }, `admin request refused: ${err.message}`);
      }
      throw err;
    }
  }
}
