import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request, Response } from 'express';
import { DomainError, ErrorCode } from '../common/errors';
import { isPublic } from './admin-auth.guard';
import { FixedWindowLimiter } from './fixed-window-limiter';

export const ADMIN_RATE_LIMITER = Symbol('ADMIN_RATE_LIMITER');

/**
 * Global, ahead of authentication so that refused credentials count too: at most
 * ADMIN_RATE_LIMIT_PER_MINUTE requests per client address per minute to any non-public route;
 * beyond that 429 RATE_LIMITED with Retry-After (seconds).
 */
@Injectable()
export class AdminRateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ADMIN_RATE_LIMITER) private readonly limiter: FixedWindowLimiter,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.limiter.enabled || context.getType() !== 'http' || isPublic(this.reflector, context)) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const decision = this.limiter.hit(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    if (decision.allowed) return true;
    http.getResponse<Response>().setHeader('Retry-After', String(decision.retryAfterSeconds));
    throw new DomainError(ErrorCode.RATE_LIMITED, `too many admin API requests from this address: retry in ${decision.retryAfterSeconds} s`);
  }
}
