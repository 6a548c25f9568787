import { JwtService } from '@nestjs/jwt';
import jwt from 'jsonwebtoken';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig, validateEnv } from '../config';
import { AdminAuthService } from './admin-auth.service';

const KEY = 'admin-key-for-unit-tests-0123456789abcdef';
const SECRET = 'admin-jwt-secret-for-unit-tests-0123456789';

function service(env: Record<string, string> = { ADMIN_API_KEY: KEY, ADMIN_JWT_SECRET: SECRET }): AdminAuthService {
  return new AdminAuthService(new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32), ...env })), new JwtService());
}

const sign = (claims: object, options: jwt.SignOptions = { expiresIn: 300 }, secret = SECRET) => jwt.sign(claims, secret, { algorithm: 'HS256', ...options });

function refusal(auth: AdminAuthService, header: string | undefined): { code: ErrorCode; message: string; invalidToken?: unknown } {
  try {
    auth.authenticate(header);
  } catch (err) {
    if (err instanceof DomainError) return { code: err.code, message: err.message, invalidToken: err.details?.invalidToken };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('AdminAuthService', () => {
  it('accepts the API key as a bearer credential', () => {
    expect(service().authenticate(`Bearer ${KEY}`)).toEqual({ kind: 'api-key', subject: 'api-key' });
    expect(service().authenticate(`bearer ${KEY}`)).toEqual({ kind: 'api-key', subject: 'api-key' });
  });

  it.each([
    ['no header', undefined, false],
    ['another scheme', `Basic ${KEY}`, false],
    ['an empty bearer', 'Bearer ', false],
    ['a wrong key', `Bearer ${KEY.slice(0, -1)}x`, true],
    ['a prefix of the key', `Bearer ${KEY.slice(0, 10)}`, true],
    ['the key and more', `Bearer ${KEY}x`, true],
  ])('refuses %s with 401 UNAUTHORIZED', (_name, header, invalidToken) => {
    expect(refusal(service(), header)).toMatchObject({ code: ErrorCode.UNAUTHORIZED, invalidToken });
  });

  it('accepts an admin JWT with role "admin" or roles containing "admin", and names its subject', () => {
    expect(service().authenticate(`Bearer ${sign({ sub: 'ops-1', role: 'admin' })}`)).toEqual({ kind: 'jwt', subject: 'ops-1' });
    expect(service().authenticate(`Bearer ${sign({ sub: 'ops-2', roles: ['reader', 'admin'] })}`)).toEqual({ kind: 'jwt', subject: 'ops-2' });
  });

  it('answers 403 FORBIDDEN to a valid admin JWT without the role', () => {
    expect(refusal(service(), `Bearer ${sign({ sub: 'ops', roles: ['reader'] })}`)).toMatchObject({ code: ErrorCode.FORBIDDEN });
    expect(refusal(service(), `Bearer ${sign({ sub: 'ops', role: 'administrator' })}`)).toMatchObject({ code: ErrorCode.FORBIDDEN });
  });

  it.each([
    ['expired', () => sign({ role: 'admin' }, { expiresIn: -60 }), /expired/],
    ['without exp', () => sign({ role: 'admin' }, {}), /no exp/],
    ['signed with another secret', () => sign({ role: 'admin' }, { expiresIn: 300 }, 'another-secret-of-at-least-32-characters'), /invalid signature/],
    ['signed with HS512', () => sign({ role: 'admin' }, { expiresIn: 300, algorithm: 'HS512' }), /invalid algorithm/],
    ['alg=none', () => jwt.sign({ role: 'admin' }, '', { algorithm: 'none' }), /invalid/],
  ])('answers 401 to an admin JWT %s', (_name, make, message) => {
    expect(refusal(service(), `Bearer ${make()}`)).toMatchObject({ code: ErrorCode.UNAUTHORIZED, invalidToken: true, message: expect.stringMatching(message) });
  });

  it('checks aud and iss when they are configured', () => {
    const auth = service({ ADMIN_JWT_SECRET: SECRET, ADMIN_JWT_AUDIENCE: 'engine-admin', ADMIN_JWT_ISSUER: 'ops-idp' });
    expect(auth.authenticate(`Bearer ${sign({ role: 'admin', aud: 'engine-admin', iss: 'ops-idp' })}`).kind).toBe('jwt');
    expect(refusal(auth, `Bearer ${sign({ role: 'admin', aud: 'other', iss: 'ops-idp' })}`).message).toMatch(/audience/);
    expect(refusal(auth, `Bearer ${sign({ role: 'admin', aud: 'engine-admin' })}`).message).toMatch(/issuer/);
  });

  it('takes no JWT when only the API key is set, and no key when only the JWT secret is', () => {
    expect(refusal(service({ ADMIN_API_KEY: KEY }), `Bearer ${sign({ role: 'admin' })}`).code).toBe(ErrorCode.UNAUTHORIZED);
    expect(refusal(service({ ADMIN_JWT_SECRET: SECRET }), `Bearer ${KEY}`).code).toBe(ErrorCode.UNAUTHORIZED);
  });

  it('refuses everything, saying why, when no admin credential is configured', () => {
    const auth = service({});
    expect(auth.configured).toBe(false);
    expect(refusal(auth, `Bearer ${KEY}`)).toMatchObject({ code: ErrorCode.UNAUTHORIZED, message: expect.stringMatching(/not configured.*ADMIN_API_KEY/) });
  });
});
