import { AppConfig, validateEnv } from '../config';
import { fakePolicyEvents } from '../../test/support/fake-policy-events';
import { BlockPairCache } from './block-pair.cache';
import { BlocksRepository } from '../blocks/blocks.repository';

function setup() {
  const blocks = new Set<string>();
  const repository = { exists: jest.fn(async (_app: string, blocker: string, blocked: string) => blocks.has(`${blocker}>${blocked}`)) };
  const { events, listener } = fakePolicyEvents();
  const cache = new BlockPairCache(new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32) })), repository as unknown as BlocksRepository, events);
  cache.onModuleInit(); // as Nest does: the listener subscribes once the module is up
  return { cache, blocks, repository, listener };
}

describe('BlockPairCache', () => {
  it('answers "blocked" for both directions of a block, from one entry per pair', async () => {
    const { cache, blocks, repository } = setup();
    blocks.add('a>b');
    expect(await cache.isBlocked('a', 'b')).toBe(true);
    expect(await cache.isBlocked('b', 'a')).toBe(true);
    expect(repository.exists).toHaveBeenCalledTimes(2); // a>b and b>a, once
    expect(await cache.isBlocked('a', 'c')).toBe(false);
  });

  it('reloads a pair when a block of it changes, in either direction', async () => {
    const { cache, blocks, listener } = setup();
    expect(await cache.isBlocked('a', 'b')).toBe(false);
    blocks.add('b>a');
    expect(await cache.isBlocked('a', 'b')).toBe(false);
    listener().onPolicyChange({ type: 'block.changed', blocker: 'b', blocked: 'a' });
    expect(await cache.isBlocked('a', 'b')).toBe(true);
    blocks.delete('b>a');
    listener().onPolicyChange({ type: 'block.changed', blocker: 'b', blocked: 'a' });
    expect(await cache.isBlocked('a', 'b')).toBe(false);
  });

  it('forgets every pair of a deleted user, and only those', async () => {
    const { cache, blocks, repository, listener } = setup();
    blocks.add('a>b').add('c>a').add('c>d');
    await Promise.all([cache.isBlocked('a', 'b'), cache.isBlocked('a', 'c'), cache.isBlocked('c', 'd')]);
    blocks.clear();
    listener().onPolicyChange({ type: 'user.deleted', user_id: 'a' });
    repository.exists.mockClear();
    expect(await cache.isBlocked('a', 'b')).toBe(false);
    expect(await cache.isBlocked('c', 'a')).toBe(false);
    expect(await cache.isBlocked('c', 'd')).toBe(true); // still cached
    expect(repository.exists).toHaveBeenCalledTimes(4);
  });

  it('forgets everything on a reset', async () => {
    const { cache, blocks, listener } = setup();
    expect(await cache.isBlocked('a', 'b')).toBe(false);
    blocks.add('a>b');
    listener().onPolicyReset();
    expect(await cache.isBlocked('a', 'b')).toBe(true);
  });
});
