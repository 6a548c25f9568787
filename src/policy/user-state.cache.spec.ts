import { AppConfig, validateEnv } from '../config';
import { fakePolicyEvents } from '../../test/support/fake-policy-events';
import { UserStateCache } from './user-state.cache';
import { UsersRepository } from '../users/users.repository';

function setup() {
  const stored = new Map<string, { disabled: boolean; display_name: string }>();
  const repository = { findState: jest.fn(async (_app: string, id: string) => stored.get(id) ?? null) };
  const { events, listener } = fakePolicyEvents();
  const cache = new UserStateCache(new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32) })), repository as unknown as UsersRepository, events);
  cache.onModuleInit(); // as Nest does: the listener subscribes once the module is up
  return { cache, stored, repository, listener };
}

describe('UserStateCache', () => {
  it('reads a user once, by app and id, then answers from memory', async () => {
    const { cache, stored, repository } = setup();
    stored.set('alice', { disabled: false, display_name: 'Alice' });
    expect(await cache.state('alice')).toEqual({ exists: true, disabled: false, displayName: 'Alice' });
    expect(await cache.state('alice')).toEqual({ exists: true, disabled: false, displayName: 'Alice' });
    expect(repository.findState).toHaveBeenCalledTimes(1);
    expect(repository.findState).toHaveBeenCalledWith('tilechat', 'alice');
  });

  it('caches "no such user" until the user is created', async () => {
    const { cache, stored, repository, listener } = setup();
    expect(await cache.state('bob')).toEqual({ exists: false, disabled: false });
    stored.set('bob', { disabled: false, display_name: 'Bob' });
    expect((await cache.state('bob')).exists).toBe(false);
    listener().onPolicyChange({ type: 'user.changed', user_id: 'bob' });
    expect((await cache.state('bob')).exists).toBe(true);
    expect(repository.findState).toHaveBeenCalledTimes(2);
  });

  it('sees a disable, a deletion and a reset through events', async () => {
    const { cache, stored, listener } = setup();
    stored.set('carol', { disabled: false, display_name: 'Carol' });
    await cache.state('carol');
    stored.set('carol', { disabled: true, display_name: 'Carol' });
    listener().onPolicyChange({ type: 'user.changed', user_id: 'carol' });
    expect(await cache.state('carol')).toMatchObject({ exists: true, disabled: true });
    stored.delete('carol');
    listener().onPolicyChange({ type: 'user.deleted', user_id: 'carol' });
    expect((await cache.state('carol')).exists).toBe(false);
    stored.set('carol', { disabled: false, display_name: 'Carol' });
    listener().onPolicyReset();
    expect(await cache.state('carol')).toMatchObject({ exists: true, disabled: false });
  });

  it('ignores block changes', async () => {
    const { cache, stored, repository, listener } = setup();
    stored.set('dan', { disabled: false, display_name: 'Dan' });
    await cache.state('dan');
    listener().onPolicyChange({ type: 'block.changed', blocker: 'dan', blocked: 'eve' });
    await cache.state('dan');
    expect(repository.findState).toHaveBeenCalledTimes(1);
  });
});
