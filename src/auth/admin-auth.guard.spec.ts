import { ConsoleLogger, ExecutionContext, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig, validateEnv } from '../config';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminAuthService } from './admin-auth.service';
import { ADMIN_RATE_LIMITER, AdminRateLimitGuard } from './admin-rate-limit.guard';
import { FixedWindowLimiter } from './fixed-window-limiter';
import { Public } from './public.decorator';

const KEY = 'admin-key-for-unit-tests-0123456789abcdef';

class Routes {
  admin(): void {}
  @Public()
  open(): void {}
}

function context(type: string, handler: keyof Routes, authorization?: string) {
  const headers: Record<string, string> = {};
  const req = { headers: authorization ? { authorization } : {}, ip: '10.0.0.1', method: 'GET', originalUrl: '/admin/v1/x', socket: {} };
  const res = { setHeader: (name: string, value: string) => (headers[name] = value) };
  const ctx = {
    getType: () => type,
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
  } as unknown as ExecutionContext;
  return { ctx, headers, req };
}

const config = new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32), ADMIN_API_KEY: KEY }));
const authGuard = new AdminAuthGuard(new Reflector(), new AdminAuthService(config, new JwtService()));

function codeOf(action: () => unknown): ErrorCode | undefined {
  try {
    action();
  } catch (err) {
    return (err as DomainError).code;
  }
  return undefined;
}

describe('AdminAuthGuard', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new ConsoleLogger()));

  it('lets an authenticated request through and records who made it', () => {
    const { ctx, req } = context('http', 'admin', `Bearer ${KEY}`);
    expect(authGuard.canActivate(ctx)).toBe(true);
    expect(req).toMatchObject({ admin: { kind: 'api-key' } });
  });

  it('refuses a request without a credential with 401 and WWW-Authenticate: Bearer', () => {
    const { ctx, headers } = context('http', 'admin');
    expect(codeOf(() => authGuard.canActivate(ctx))).toBe(ErrorCode.UNAUTHORIZED);
    expect(headers['WWW-Authenticate']).toBe('Bearer realm="admin"');
    const wrong = context('http', 'admin', 'Bearer nope');
    expect(codeOf(() => authGuard.canActivate(wrong.ctx))).toBe(ErrorCode.UNAUTHORIZED);
    expect(wrong.headers['WWW-Authenticate']).toBe('Bearer realm="admin", error="invalid_token"');
  });

  it('leaves @Public() routes and the message pipeline (not HTTP) alone', () => {
    expect(authGuard.canActivate(context('http', 'open').ctx)).toBe(true);
    expect(authGuard.canActivate(context('rpc', 'admin').ctx)).toBe(true);
  });
});

describe('AdminRateLimitGuard', () => {
  it('answers 429 with Retry-After beyond the limit, for refused credentials too, and never on public routes', () => {
    let now = 120_000;
    const guard = new AdminRateLimitGuard(new Reflector(), new FixedWindowLimiter(2, 60_000, () => now));
    expect(ADMIN_RATE_LIMITER).toBeDefined();
    expect(guard.canActivate(context('http', 'admin').ctx)).toBe(true);
    expect(guard.canActivate(context('http', 'admin', 'Bearer wrong').ctx)).toBe(true);
    now += 20_000;
    const third = context('http', 'admin', `Bearer ${KEY}`);
    expect(codeOf(() => guard.canActivate(third.ctx))).toBe(ErrorCode.RATE_LIMITED);
    expect(third.headers['Retry-After']).toBe('40');
    expect(guard.canActivate(context('http', 'open').ctx)).toBe(true);
    expect(guard.canActivate(context('rpc', 'admin').ctx)).toBe(true);
  });
});
