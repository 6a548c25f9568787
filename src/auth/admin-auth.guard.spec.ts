import { ConsoleLogger, ExecutionContext, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig, validateEnv } from '../config';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminAuthService } from './admin-auth.service';
import { AdminRateLimitGuard, adminRateLimitOptions } from './admin-rate-limit.guard';
import { Public } from './public.decorator';
import { UserRoute } from './user-route.decorator';

const KEY = 'admin-key-for-unit-tests-0123456789abcdef';

class Routes {
  admin(): void {}
  other(): void {}
  @Public()
  open(): void {}
  @UserRoute()
  mine(): void {}
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

  it('leaves @Public() routes, the user API (@UserRoute(): its own guard) and the message pipeline (not HTTP) alone', () => {
    expect(authGuard.canActivate(context('http', 'open').ctx)).toBe(true);
    expect(authGuard.canActivate(context('http', 'mine').ctx)).toBe(true);
    expect(authGuard.canActivate(context('rpc', 'admin').ctx)).toBe(true);
  });
});

describe('AdminRateLimitGuard', () => {
  let storage: ThrottlerStorageService;

  beforeEach(() => jest.useFakeTimers({ now: 120_000 }));
  afterEach(() => {
    storage.onApplicationShutdown();
    jest.useRealTimers();
  });

  async function guard(perMinute: number): Promise<AdminRateLimitGuard> {
    storage = new ThrottlerStorageService();
    const g = new AdminRateLimitGuard(adminRateLimitOptions(perMinute), storage, new Reflector());
    await g.onModuleInit();
    return g;
  }

  async function refusal(g: AdminRateLimitGuard, ctx: ExecutionContext): Promise<ErrorCode | undefined> {
    return g.canActivate(ctx).then(
      () => undefined,
      (err: DomainError) => err.code,
    );
  }

  it('answers 429 with Retry-After beyond the limit per address across routes, for refused credentials too, never on public routes', async () => {
    const g = await guard(2);
    expect(await g.canActivate(context('http', 'admin').ctx)).toBe(true);
    expect(await g.canActivate(context('http', 'other', 'Bearer wrong').ctx)).toBe(true);
    jest.advanceTimersByTime(20_000);
    const third = context('http', 'admin', `Bearer ${KEY}`);
    expect(await refusal(g, third.ctx)).toBe(ErrorCode.RATE_LIMITED);
    expect(third.headers['Retry-After']).toBe('40'); // the first request is a minute old then
    const elsewhere = context('http', 'admin');
    elsewhere.req.ip = '10.0.0.2';
    expect(await g.canActivate(elsewhere.ctx)).toBe(true);
    expect(await g.canActivate(context('http', 'open').ctx)).toBe(true);
    expect(await g.canActivate(context('rpc', 'admin').ctx)).toBe(true);
    jest.advanceTimersByTime(40_000); // both counted requests are a minute old; the refused one did not count
    expect(await g.canActivate(context('http', 'admin').ctx)).toBe(true);
    expect(await g.canActivate(context('http', 'admin').ctx)).toBe(true);
    const again = context('http', 'admin');
    expect(await refusal(g, again.ctx)).toBe(ErrorCode.RATE_LIMITED);
    expect(again.headers['Retry-After']).toBe('60');
  });

  it("counts the user API per authenticated user, apart from the address's admin budget", async () => {
    const g = await guard(1);
    const as = (user: string) => {
      const c = context('http', 'mine');
      (c.req as Record<string, unknown>).user = { userId: user, issuedAt: 0, expiresAt: 0 };
      return c;
    };
    expect(await g.canActivate(as('ann').ctx)).toBe(true);
    const again = as('ann');
    expect(await refusal(g, again.ctx)).toBe(ErrorCode.RATE_LIMITED);
    expect(again.headers['Retry-After']).toBe('60');
    expect(await g.canActivate(as('bob').ctx)).toBe(true); // same address, another user
    expect(await g.canActivate(context('http', 'admin').ctx)).toBe(true); // the address's own budget
  });

  it('never limits with a limit of 0', async () => {
    const g = await guard(0);
    for (let i = 0; i < 1000; i++) expect(await g.canActivate(context('http', 'admin').ctx)).toBe(true);
  });
});
