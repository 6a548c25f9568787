import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';

export const IS_USER_ROUTE = 'auth:user-route';

/** Who made a user API request: the subject of the broker token it carried, and that token's lifetime. */
export interface UserPrincipal {
  userId: string;
  /** The token's `iat` and `exp` (seconds since the epoch). */
  issuedAt: number;
  expiresAt: number;
}

export type UserRequest = Request & { user?: UserPrincipal };

/**
 * Marks a controller or route of the user API (docs/user-api.md): it takes the user's own broker
 * token instead of an admin credential (UserAuthGuard), and never an admin credential.
 */
export const UserRoute = (): MethodDecorator & ClassDecorator => SetMetadata(IS_USER_ROUTE, true);

/** True for a route or controller marked @UserRoute(). */
export function isUserRoute(reflector: Reflector, context: ExecutionContext): boolean {
  return reflector.getAllAndOverride<boolean>(IS_USER_ROUTE, [context.getHandler(), context.getClass()]) === true;
}

/** The authenticated user of a user API request (set by UserAuthGuard): never a path or query parameter. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): UserPrincipal => {
  const user = context.switchToHttp().getRequest<UserRequest>().user;
  // UserAuthGuard runs on every @UserRoute(); a route without it must not reach here.
  if (!user) throw new Error('CurrentUser used outside a @UserRoute()');
  return user;
});
