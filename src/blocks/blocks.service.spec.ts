import { Logger, OnModuleInit } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig } from '../config';
import { PolicyEvents } from '../policy/events';
import { UserDeletionHooks } from '../users/user-hooks';
import { UsersService } from '../users/users.service';
import { Block } from './block.schema';
import { BlockPageQuery, BlocksRepository } from './blocks.repository';
import { BlocksService } from './blocks.service';

/** The repository's contract, in memory: one record per (app, blocker, blocked). */
class FakeBlocksRepository {
  readonly rows = new Map<string, Block>();

  async insert(block: Omit<Block, '_id'>): Promise<{ block: Block; created: boolean }> {
    const _id = `${block.app_id}:${block.blocker}:${block.blocked}`;
    const existing = this.rows.get(_id);
    if (existing) return { block: structuredClone(existing), created: false };
    this.rows.set(_id, { _id, ...block });
    return { block: { _id, ...block }, created: true };
  }

  async delete(appId: string, blocker: string, blocked: string): Promise<boolean> {
    return this.rows.delete(`${appId}:${blocker}:${blocked}`);
  }

  async findOne(appId: string, blocker: string, blocked: string): Promise<Block | null> {
    return structuredClone(this.rows.get(`${appId}:${blocker}:${blocked}`) ?? null);
  }

  async exists(appId: string, blocker: string, blocked: string): Promise<boolean> {
    return this.rows.has(`${appId}:${blocker}:${blocked}`);
  }

  async page(q: BlockPageQuery): Promise<Block[]> {
    return [...this.rows.values()]
      .filter((b) => b.app_id === q.appId && b.blocker === q.blocker && (q.after === undefined || b.blocked > q.after))
      .sort((a, b) => (a.blocked < b.blocked ? -1 : 1))
      .slice(0, q.limit);
  }

  async deleteAllOf(appId: string, userId: string): Promise<number> {
    let n = 0;
    for (const [id, b] of this.rows) if (b.app_id === appId && (b.blocker === userId || b.blocked === userId) && this.rows.delete(id)) n++;
    return n;
  }
}

function setUp(requireRegisteredRecipients = true, registered = ['ann', 'bob', 'cy', 'di', 'ed']) {
  const repository = new FakeBlocksRepository();
  const announce = jest.fn(async () => undefined);
  const users = {
    assertRegistered: jest.fn(async (...ids: string[]) => {
      const missing = ids.find((id) => !registered.includes(id));
      if (missing) throw new DomainError(ErrorCode.USER_NOT_FOUND, `user ${missing} not found`);
    }),
  };
  const deletionHooks = new UserDeletionHooks();
  const service = new BlocksService(
    { appId: 'app', policy: { requireRegisteredRecipients } } as AppConfig,
    repository as unknown as BlocksRepository,
    users as unknown as UsersService,
    { announce } as unknown as PolicyEvents,
    deletionHooks,
  );
  (service as unknown as Partial<OnModuleInit>).onModuleInit?.();
  return { service, repository, announce, deletionHooks };
}

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (err: unknown) => (err instanceof DomainError ? err.code : err));

describe('BlocksService', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('blocks once, keeps the first block on a repeat, and announces the pair on every call', async () => {
    const { service, announce } = setUp();
    const first = await service.block('ann', 'bob', 'spam');
    expect(first).toEqual({ created: true, block: { blocker: 'ann', blocked: 'bob', reason: 'spam', created_at: expect.any(Number) } });
    const again = await service.block('ann', 'bob', 'other reason');
    expect(again).toEqual({ created: false, block: first.block });
    // A retry after a failed announcement must reach the other instances: announced both times.
    expect(announce.mock.calls).toEqual([
      [{ type: 'block.changed', blocker: 'ann', blocked: 'bob' }],
      [{ type: 'block.changed', blocker: 'ann', blocked: 'bob' }],
    ]);
  });

  it('refuses a user blocking themselves, and unregistered users when registration is required, before storing or announcing', async () => {
    const { service, repository, announce } = setUp();
    expect(await codeOf(service.block('ann', 'ann'))).toBe(ErrorCode.VALIDATION_FAILED);
    expect(await codeOf(service.block('ann', 'stranger'))).toBe(ErrorCode.USER_NOT_FOUND);
    expect(await codeOf(service.block('stranger', 'ann'))).toBe(ErrorCode.USER_NOT_FOUND);
    expect(repository.rows.size).toBe(0);
    expect(announce).not.toHaveBeenCalled();
    for (const call of [service.get('ann', 'stranger'), service.list('stranger', { limit: 5 }), service.status('ann', 'stranger')]) {
      expect(await codeOf(call)).toBe(ErrorCode.USER_NOT_FOUND);
    }
  });

  it('lets any valid ids block when registration is not required', async () => {
    const { service } = setUp(false, []);
    expect((await service.block('x1', 'x2')).created).toBe(true);
    expect((await service.status('x2', 'x1')).blocked).toBe(true);
  });

  it('unblocks idempotently, also for unregistered users, announcing every time', async () => {
    const { service, announce } = setUp();
    await service.block('ann', 'bob');
    announce.mockClear();
    expect(await service.unblock('ann', 'bob')).toBe(true);
    expect(await service.unblock('ann', 'bob')).toBe(false);
    expect(await service.unblock('stranger', 'bob')).toBe(false);
    expect(announce).toHaveBeenCalledTimes(3);
    expect(await codeOf(service.get('ann', 'bob'))).toBe(ErrorCode.NOT_FOUND);
  });

  it('tells who blocks whom, either way', async () => {
    const { service } = setUp();
    await service.block('bob', 'ann');
    expect(await service.status('ann', 'bob')).toEqual({ user: 'ann', peer: 'bob', blocked: true, user_blocks_peer: false, peer_blocks_user: true });
    expect(await service.status('ann', 'cy')).toEqual({ user: 'ann', peer: 'cy', blocked: false, user_blocks_peer: false, peer_blocks_user: false });
  });

  it('pages whom a user blocks in id order, with a cursor', async () => {
    const { service } = setUp();
    for (const other of ['di', 'bob', 'ed', 'cy']) await service.block('ann', other);
    await service.block('bob', 'ann');
    const first = await service.list('ann', { limit: 3 });
    expect(first.items.map((b) => b.blocked)).toEqual(['bob', 'cy', 'di']);
    const rest = await service.list('ann', { limit: 3, cursor: first.next_cursor! });
    expect(rest).toEqual({ items: [expect.objectContaining({ blocker: 'ann', blocked: 'ed' })], next_cursor: null });
    expect((await service.list('ann', { limit: 4 })).next_cursor).toBeNull();
  });

  it("removes every block a deleted user made or received, and no one else's", async () => {
    const { service, deletionHooks } = setUp();
    await service.block('ann', 'bob');
    await service.block('cy', 'ann');
    await service.block('cy', 'bob');
    await deletionHooks.run('ann');
    expect((await service.status('ann', 'bob')).blocked).toBe(false);
    expect((await service.status('ann', 'cy')).blocked).toBe(false);
    expect((await service.status('cy', 'bob')).user_blocks_peer).toBe(true);
  });
});
