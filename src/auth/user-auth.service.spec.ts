import { HttpException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import jwt from 'jsonwebtoken';
import { TopicLayout, userGrants } from '@app/protocol';
import { BrokerJwtService } from '../broker';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig, validateEnv } from '../config';
import { UserState, UserStateCache } from '../policy/user-state.cache';
import { UserAuthService } from './user-auth.service';

const ACTIVE = { kid: 'k2', secret: 'the-active-key-of-at-least-32-characters' };
const PREVIOUS = { kid: 'k1', secret: 'the-previous-key-of-at-least-32-characters' };
const layout = new TopicLayout('apps/tilechat/users');
const config = new AppConfig(
  validateEnv({ JWT_SECRET: ACTIVE.secret, JWT_KEY_ID: ACTIVE.kid, JWT_PREVIOUS_KEYS: `${PREVIOUS.kid}:${PREVIOUS.secret}`, PATH_PREFIX: 'apps/tilechat/users' }),
);
const brokerJwt = new BrokerJwtService(new JwtService(), config);

const users: Record<string, UserState> = {
  ann: { exists: true, disabled: false },
  off: { exists: true, disabled: true },
};
const cache = { state: jest.fn(async (id: string) => users[id] ?? { exists: false, disabled: false }) };
const auth = new UserAuthService(brokerJwt, layout, cache as unknown as UserStateCache);

const grants = (sub: string) => ({ sub, scope: userGrants(layout, sub, 'rabbitmq').scopes });
function sign(claims: object, key = ACTIVE, options: jwt.SignOptions = {}): string {
  return jwt.sign({ aud: ['rabbitmq'], ...claims }, key.secret, { algorithm: 'HS256', keyid: key.kid, expiresIn: 600, ...options });
}

async function refusal(header: string | undefined): Promise<{ status: number; code: string; message: string }> {
  try {
    await auth.authenticate(header);
  } catch (err) {
    if (err instanceof DomainError) return { status: 0, code: err.code, message: err.message };
    if (err instanceof HttpException) return { status: err.getStatus(), ...(err.getResponse() as { code: string; message: string }) };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('UserAuthService', () => {
  beforeEach(() => cache.state.mockClear());

  it("authenticates a user's token signed with the active or the previous key, naming the user and the token's lifetime", async () => {
    const token = sign(grants('ann'));
    const { iat, exp } = jwt.decode(token) as { iat: number; exp: number };
    expect(await auth.authenticate(`Bearer ${token}`)).toEqual({ userId: 'ann', issuedAt: iat, expiresAt: exp });
    expect((await auth.authenticate(`bearer ${sign(grants('ann'), PREVIOUS)}`)).userId).toBe('ann');
    // A token the engine issues verifies too.
    expect((await auth.authenticate(`Bearer ${brokerJwt.sign(grants('ann'), 300).token}`)).userId).toBe('ann');
  });

  it.each([
    ['no header', undefined, /missing credential/],
    ['another scheme', 'Basic abc', /missing credential/],
    ['not a JWT', 'Bearer not-a-jwt', /not a JWT/],
    ['an expired token', `Bearer ${sign(grants('ann'), ACTIVE, { expiresIn: -60 })}`, /expired/],
    ['a token signed with another secret', `Bearer ${sign(grants('ann'), { kid: ACTIVE.kid, secret: 'x'.repeat(40) })}`, /invalid signature/],
    ['an unknown kid', `Bearer ${sign(grants('ann'), { kid: 'k0', secret: ACTIVE.secret })}`, /unknown signing key/],
    ['another audience', `Bearer ${sign({ ...grants('ann'), aud: ['other'] })}`, /audience/],
    ['HS512', `Bearer ${sign(grants('ann'), ACTIVE, { algorithm: 'HS512' })}`, /algorithm/],
    ['no scope', `Bearer ${sign({ sub: 'ann' })}`, /lacks/],
    ['a subject that is no user id', `Bearer ${sign(grants('a.b'))}`, /subject/],
    ['a grant beyond the user', `Bearer ${sign({ sub: 'ann', scope: [...grants('ann').scope, 'rabbitmq.tag:administrator'] })}`, /not a user token/],
    ["another user's grants", `Bearer ${sign({ sub: 'ann', scope: grants('bob').scope })}`, /not a user token/],
    ['an unknown user', `Bearer ${sign(grants('ghost'))}`, /not registered/],
  ])('refuses %s with 401 UNAUTHORIZED', async (_name, header, message) => {
    expect(await refusal(header)).toMatchObject({ code: ErrorCode.UNAUTHORIZED, message: expect.stringMatching(message) });
  });

  it("refuses a disabled user's valid token with 401 and the code USER_DISABLED, reading the user from the cache", async () => {
    expect(await refusal(`Bearer ${sign(grants('off'))}`)).toEqual({ status: 401, code: ErrorCode.USER_DISABLED, message: 'user off is disabled' });
    expect(cache.state).toHaveBeenCalledWith('off');
  });

  it('reads no user state for a token that fails its checks', async () => {
    await refusal(`Bearer ${sign(grants('ann'), ACTIVE, { expiresIn: -60 })}`);
    expect(cache.state).not.toHaveBeenCalled();
  });
});
