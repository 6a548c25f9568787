import { AppConfig, validateEnv } from '../config';
import { fakePolicyEvents } from '../../test/support/fake-policy-events';
import { BlockPairCache } from './block-pair.cache';
import { BlocksRepository } from '../blocks/blocks.repository';

function setup() {
  const blocks = new Set<string>(); // "blocker>blocked"
  const repository = {
    partnersOf: jest.fn(async (_app: string, user: string) => {
      const partners = new Set<string>();
      for (const block of blocks) {
        const [blocker, blocked] = block.split('>');
        if (blocker === user) partners.add(blocked);
        if (blocked === user) partners.add(blocker);
      }
      return partners;
    }),
  };
  const { events, listener } = fakePolicyEvents();
  const cache = new BlockPairCache(new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32) })), repository as unknown as BlocksRepository, events);
  cache.onModuleInit(); // as Nest does: the listener subscribes once the module is up
  return { cache, blocks, repository, listener };
}

describe('BlockPairCache', () => {
  it('answers "blocked" for both directions of a block, with one read per user whatever the number of peers', async () => {
    const { cache, blocks, repository } = setup();
    blocks.add('a>b');
    expect(await cache.isBlocked('a', 'b')).toBe(true);
    expect(await cache.isBlocked('b', 'a')).toBe(true);
    for (const peer of ['c', 'd', 'e', 'f']) expect(await cache.isBlocked('a', peer)).toBe(false);
    expect(repository.partnersOf.mock.calls.map(([, user]) => user)).toEqual(['a', 'b']);
  });

  it('reloads both users when a block between them changes, in either direction', async () => {
    const { cache, blocks, listener } = setup();
    expect(await cache.isBlocked('a', 'b')).toBe(false);
    expect(await cache.isBlocked('b', 'a')).toBe(false);
    blocks.add('b>a');
    expect(await cache.isBlocked('a', 'b')).toBe(false); // cached until told
    listener().onPolicyChange({ type: 'block.changed', blocker: 'b', blocked: 'a' });
    expect(await cache.isBlocked('a', 'b')).toBe(true);
    expect(await cache.isBlocked('b', 'a')).toBe(true);
    blocks.delete('b>a');
    listener().onPolicyChange({ type: 'block.changed', blocker: 'b', blocked: 'a' });
    expect(await cache.isBlocked('a', 'b')).toBe(false);
    expect(await cache.isBlocked('b', 'a')).toBe(false);
  });

  it('does not store a read that a change overtook', async () => {
    const { cache, blocks, repository, listener } = setup();
    let release!: () => void;
    repository.partnersOf.mockImplementationOnce(async () => {
      await new Promise<void>((r) => (release = r));
      return new Set<string>(); // read before the block below
    });
    const stale = cache.isBlocked('a', 'b');
    blocks.add('a>b');
    listener().onPolicyChange({ type: 'block.changed', blocker: 'a', blocked: 'b' });
    release();
    expect(await stale).toBe(false);
    expect(await cache.isBlocked('a', 'b')).toBe(true);
  });

  it('forgets a deleted user\'s blocks, in its own entry and in its partners\'', async () => {
    const { cache, blocks, listener } = setup();
    blocks.add('a>b').add('c>a');
    expect(await cache.isBlocked('b', 'a')).toBe(true);
    expect(await cache.isBlocked('c', 'a')).toBe(true);
    blocks.clear(); // deleting a user deletes its blocks, then tells the engines
    listener().onPolicyChange({ type: 'user.deleted', user_id: 'a' });
    expect(await cache.isBlocked('a', 'b')).toBe(false);
    expect(await cache.isBlocked('b', 'a')).toBe(false);
    expect(await cache.isBlocked('c', 'a')).toBe(false);
  });

  it('forgets everything on a reset', async () => {
    const { cache, blocks, listener } = setup();
    expect(await cache.isBlocked('a', 'b')).toBe(false);
    blocks.add('a>b');
    listener().onPolicyReset();
    expect(await cache.isBlocked('a', 'b')).toBe(true);
  });
});
