import { UsersRepository } from '../users/users.repository';
import { RejectionCode } from '@app/protocol';
import { BlockPairCache } from './block-pair.cache';
import { AppConfig, validateEnv } from '../config';
import { GroupMembershipCache } from './group-membership.cache';
import { UserState, UserStateCache } from './user-state.cache';
import { PolicyService } from './policy.service';

const ACTIVE: UserState = { exists: true, disabled: false };

function config(env: Record<string, string> = {}): AppConfig {
  return new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32), RATE_LIMIT_PER_SECOND: '0', ...env }));
}

/** A policy over in-memory users and blocks (the caches' own behaviour is tested beside them). */
function policy(
  world: { users?: Record<string, UserState>; blocked?: Array<[string, string]>; groups?: Record<string, string[]> },
  env: Record<string, string> = {},
) {
  const users = { state: jest.fn(async (id: string) => world.users?.[id] ?? { exists: false, disabled: false }) };
  const blocks = {
    isBlocked: jest.fn(async (a: string, b: string) =>
      (world.blocked ?? []).some(([x, y]) => (x === a && y === b) || (x === b && y === a)),
    ),
  };
  const groups = { members: jest.fn(async (id: string) => (world.groups?.[id] ? new Map(world.groups[id].map((m) => [m, 'member'])) : null)) };
  const service = new PolicyService(
    config(env),
    users as unknown as UserStateCache,
    blocks as unknown as BlockPairCache,
    groups as unknown as GroupMembershipCache,
    {} as UsersRepository,
  );
  return { service, users, blocks };
}

describe('PolicyService', () => {
  it('lets registered, enabled, unblocked users talk', async () => {
    const { service } = policy({ users: { a: ACTIVE, b: ACTIVE } });
    expect(await service.checkMessage('a', 'b')).toBeNull();
  });

  it('refuses a disabled sender with SENDER_DISABLED before anything else', async () => {
    const { service } = policy({ users: { a: { exists: true, disabled: true } }, blocked: [['a', 'b']] });
    expect(await service.checkMessage('a', 'b')).toMatchObject({ code: RejectionCode.SENDER_DISABLED });
  });

  it('refuses an unknown recipient with UNKNOWN_RECIPIENT before a block', async () => {
    const { service } = policy({ users: { a: ACTIVE }, blocked: [['a', 'b']] });
    expect(await service.checkMessage('a', 'b')).toMatchObject({ code: RejectionCode.UNKNOWN_RECIPIENT });
  });

  it('does not look the recipient up when registration is not required', async () => {
    const { service, users } = policy({}, { REQUIRE_REGISTERED_RECIPIENTS: 'false' });
    expect(await service.checkMessage('a', 'b')).toBeNull();
    expect(users.state.mock.calls.map(([id]) => id)).toEqual(['a']);
  });

  it('lets an unregistered sender send to a registered user (only recipients must be registered)', async () => {
    const { service } = policy({ users: { b: ACTIVE } });
    expect(await service.checkMessage('a', 'b')).toBeNull();
  });

  it.each([
    ['the recipient blocks the sender', ['b', 'a']],
    ['the sender blocks the recipient', ['a', 'b']],
  ] as Array<[string, [string, string]]>)('refuses with BLOCKED when %s', async (_, pair) => {
    const { service } = policy({ users: { a: ACTIVE, b: ACTIVE }, blocked: [pair] });
    expect(await service.checkMessage('a', 'b')).toEqual({ code: RejectionCode.BLOCKED, reason: expect.any(String), silent: false });
  });

  it('marks a block refusal silent in BLOCK_MODE=silent, and only that refusal', async () => {
    const { service } = policy(
      { users: { a: ACTIVE, b: ACTIVE, c: { exists: true, disabled: true } }, blocked: [['b', 'a']] },
      { BLOCK_MODE: 'silent' },
    );
    expect(await service.checkMessage('a', 'b')).toMatchObject({ code: RejectionCode.BLOCKED, silent: true });
    expect((await service.checkMessage('c', 'a'))?.silent).toBeFalsy();
  });

  it('admits every message a sender publishes against the rate limit, per sender, whatever it holds', () => {
    const { service } = policy({ users: {} }, { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '2' });
    expect(service.admit('a')).toBeNull();
    expect(service.admit('a')).toBeNull();
    expect(service.admit('a')).toMatchObject({ code: RejectionCode.RATE_LIMITED });
    expect(service.admit('b')).toBeNull();
  });

  it('leaves the rate limit out of checkMessage (admit counts it once)', async () => {
    const { service } = policy({ users: { a: ACTIVE, b: ACTIVE } }, { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '1' });
    for (let i = 0; i < 3; i++) expect(await service.checkMessage('a', 'b')).toBeNull();
  });

  it('names a registered sender by their display name, and nobody else', async () => {
    const { service } = policy({ users: { a: { ...ACTIVE, displayName: 'Alice' } } });
    expect(await service.displayName('a')).toBe('Alice');
    expect(await service.displayName('zed')).toBeUndefined();
  });

  describe('group messages', () => {
    const world = { users: { a: ACTIVE, b: ACTIVE, off: { exists: true, disabled: true } }, groups: { 'group-1': ['a', 'b', 'off'] }, blocked: [['a', 'b']] as Array<[string, string]> };

    it('let a member send to the members, blocks between users not applying inside groups', async () => {
      const result = await policy(world).service.checkGroupMessage('a', 'group-1');
      expect('members' in result && [...result.members.keys()]).toEqual(['a', 'b', 'off']);
    });

    it('refuse a disabled sender, an unknown group and a non-member, each with its code', async () => {
      const { service } = policy(world);
      expect(await service.checkGroupMessage('off', 'group-1')).toMatchObject({ code: RejectionCode.SENDER_DISABLED });
      expect(await service.checkGroupMessage('a', 'group-2')).toMatchObject({ code: RejectionCode.GROUP_NOT_FOUND });
      expect(await service.checkGroupMessage('c', 'group-1')).toMatchObject({ code: RejectionCode.NOT_A_MEMBER });
    });
  });
});
