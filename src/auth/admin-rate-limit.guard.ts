import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions } from '@nestjs/throttler';
import { Request, Response } from 'express';
import { DomainError, ErrorCode } from '../common/errors';
import { isPublic } from './admin-auth.guard';
import { UserRequest } from './user-route.decorator';

const WINDOW_MS = 60_000;

/**
 * ADMIN_RATE_LIMIT_PER_MINUTE as @nestjs/throttler options: at most that many requests per
 * client address in any 60 s, and as many per user on the user API (0: no limit). Per instance:
 * the in-memory store is the default.
 */
export function adminRateLimitOptions(perMinute: number): ThrottlerModuleOptions {
  return {
    // blockDuration 0: a refused request neither counts nor extends the wait; the next one is
    // allowed as soon as the oldest counted one is a minute old (Retry-After says when).
    throttlers: [{ ttl: WINDOW_MS, limit: perMinute, blockDuration: 0 }],
    skipIf: () => perMinute <= 0,
    // The user API's authenticated user (UserAuthGuard ran first), else the exact address (the
    // library would fold IPv6 into /56 subnets). A user id never contains ":", an address has no "user:".
    getTracker: (req) => {
      const user = (req as UserRequest).user;
      if (user) return `user:${user.userId}`;
      return (req as Request).ip ?? (req as Request).socket?.remoteAddress ?? 'unknown';
    },
    // One budget per address (or user) across every route (the library's default key is per route).
    generateKey: (_context, tracker) => tracker,
    // No X-RateLimit-* headers on every answer; Retry-After is set on a refusal below.
    setHeaders: false,
  };
}

/**
 * Global, ahead of the admin authentication so that refused admin credentials count too, and
 * after the user API's (a user's requests count per user): beyond the limit, 429 RATE_LIMITED with
 * Retry-After (seconds). Public routes and the pipeline are not counted.
 */
@Injectable()
export class AdminRateLimitGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http' || isPublic(this.reflector, context);
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfter));
    const who = detail.tracker.startsWith('user:') ? 'user API requests from this user' : 'admin API requests from this address';
    throw new DomainError(ErrorCode.RATE_LIMITED, `too many ${who}: retry in ${retryAfter} s`);
  }
}
