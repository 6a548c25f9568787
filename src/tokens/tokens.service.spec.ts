import { Logger, OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { verify } from 'jsonwebtoken';
import { TopicLayout, userGrants } from '@app/protocol';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig } from '../config';
import { ConnectionsService } from '../connections';
import { UserResponse } from '../users/dto/user.response';
import { UserDeletionHooks, UserDisableHooks } from '../users/user-hooks';
import { UsersService } from '../users/users.service';
import { BrokerJwtService } from '../broker';
import { TokensService } from './tokens.service';

const SECRET = 'a-test-secret-of-more-than-32-characters';
const layout = new TopicLayout('apps/tilechat/users');

function setUp(opts: { canClose?: boolean; close?: () => Promise<number> } = {}) {
  const config = {
    jwt: { audience: 'rabbitmq', activeKey: { kid: 'k1', secret: SECRET } },
    tokens: { defaultTtlSeconds: 3600, maxTtlSeconds: 7200 },
    broker: { mqttUrls: ['mqtts://broker:8883', 'mqtt://broker:1883'] },
  } as unknown as AppConfig;
  const stored: Record<string, Pick<UserResponse, 'user_id' | 'disabled'>> = {
    ann: { user_id: 'ann', disabled: false },
    off: { user_id: 'off', disabled: true },
  };
  const users = {
    get: jest.fn(async (id: string) => {
      if (!stored[id]) throw new DomainError(ErrorCode.USER_NOT_FOUND, `user ${id} not found`);
      return stored[id];
    }),
  };
  const jwt = new BrokerJwtService(new JwtService(), config);
  const sign = jest.spyOn(jwt, 'sign');
  const connections = { canClose: opts.canClose ?? true, closeUserConnections: jest.fn(opts.close ?? (async () => 2)) };
  const disableHooks = new UserDisableHooks();
  const deletionHooks = new UserDeletionHooks();
  const service = new TokensService(
    config,
    users as unknown as UsersService,
    jwt,
    layout,
    connections as unknown as ConnectionsService,
    disableHooks,
    deletionHooks,
  );
  (service as unknown as Partial<OnModuleInit>).onModuleInit?.();
  return { service, sign, connections, disableHooks, deletionHooks, users };
}

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (err: unknown) => (err instanceof DomainError ? err.code : err));

describe('TokensService', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it("issues a token the broker accepts, carrying exactly the user's grants, for the default lifetime", async () => {
    const { service } = setUp();
    const before = Math.floor(Date.now() / 1000);
    const answer = await service.issue('ann');
    const claims = verify(answer.token, SECRET, { algorithms: ['HS256'], audience: 'rabbitmq' }) as Record<string, unknown>;
    const grants = userGrants(layout, 'ann', 'rabbitmq');
    expect(claims).toMatchObject({ sub: 'ann', scope: grants.scopes, aud: ['rabbitmq'] });
    expect(claims.exp).toBeGreaterThanOrEqual(before + 3600);
    expect(claims.exp).toBeLessThanOrEqual(before + 3601);
    expect(answer).toEqual({
      token: answer.token,
      expires_at: (claims.exp as number) * 1000,
      expires_in: 3600,
      mqtt_urls: ['mqtts://broker:8883', 'mqtt://broker:1883'],
      client_id_prefix: 'ann~',
      publish: grants.publish,
      subscribe: grants.subscribe,
    });
  });

  it('takes a lifetime up to TOKEN_MAX_TTL_SECONDS, and refuses a longer one before looking the user up', async () => {
    const { service, users, sign } = setUp();
    expect((await service.issue('ann', 7200)).expires_in).toBe(7200);
    users.get.mockClear();
    sign.mockClear();
    expect(await codeOf(service.issue('ann', 7201))).toBe(ErrorCode.VALIDATION_FAILED);
    expect(users.get).not.toHaveBeenCalled();
    expect(sign).not.toHaveBeenCalled();
  });

  it('signs nothing for a disabled or unknown user', async () => {
    const { service, sign } = setUp();
    expect(await codeOf(service.issue('off'))).toBe(ErrorCode.USER_DISABLED);
    expect(await codeOf(service.issue('nobody'))).toBe(ErrorCode.USER_NOT_FOUND);
    expect(sign).not.toHaveBeenCalled();
  });

  it("closes a user's broker connections when the user is disabled or deleted", async () => {
    const { connections, disableHooks, deletionHooks } = setUp();
    await disableHooks.run('ann');
    await deletionHooks.run('bob');
    expect(connections.closeUserConnections.mock.calls).toEqual([
      ['ann', 'user disabled'],
      ['bob', 'user deleted'],
    ]);
  });

  it('never fails a disable or a deletion for the broker: no management API, or one that fails', async () => {
    const unconfigured = setUp({ canClose: false });
    await expect(unconfigured.disableHooks.run('ann')).resolves.toBeUndefined();
    expect(unconfigured.connections.closeUserConnections).not.toHaveBeenCalled();

    const failing = setUp({ close: async () => Promise.reject(new Error('management API down')) });
    await expect(failing.deletionHooks.run('ann')).resolves.toBeUndefined();
    expect(failing.connections.closeUserConnections).toHaveBeenCalledTimes(1);
  });

  it('disconnects on request, and lets a failure through to the admin', async () => {
    const ok = setUp();
    expect(await ok.service.disconnect('ann', 'support')).toBe(2);
    expect(ok.connections.closeUserConnections).toHaveBeenCalledWith('ann', 'support');
    const failing = setUp({ close: async () => Promise.reject(new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'down')) });
    expect(await codeOf(failing.service.disconnect('ann', 'support'))).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
  });
});
