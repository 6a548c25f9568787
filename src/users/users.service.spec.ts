import { Logger, OnModuleInit } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig } from '../config';
import { PolicyEvents } from '../policy/events';
import { UserDeletionHooks, UserDisableHooks } from './user-hooks';
import { UserPageQuery, UserProfile, UserRecord, UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/** The repository's contract, in memory: one record per (app, user), like the database's _id. */
class FakeUsersRepository {
  readonly rows = new Map<string, UserRecord>();
  /** Makes the next updates find nothing, as if the user was deleted in between. */
  vanishOnUpdate = 0;

  async insert(appId: string, userId: string, profile: UserProfile, now: number): Promise<UserRecord | null> {
    if (this.rows.has(`${appId}:${userId}`)) return null;
    const user: UserRecord = { _id: `${appId}:${userId}`, app_id: appId, user_id: userId, ...profile, disabled: false, created_at: now, updated_at: now };
    this.rows.set(user._id, structuredClone(user));
    return user;
  }

  async update(appId: string, userId: string, set: Partial<UserRecord>, unset: Array<keyof UserRecord> = []): Promise<UserRecord | null> {
    const row = this.rows.get(`${appId}:${userId}`);
    if (!row || this.vanishOnUpdate-- > 0) return null;
    Object.assign(row, structuredClone(set));
    for (const key of unset) delete row[key];
    return structuredClone(row);
  }

  async findOne(appId: string, userId: string): Promise<UserRecord | null> {
    return structuredClone(this.rows.get(`${appId}:${userId}`) ?? null);
  }

  async findState(appId: string, userId: string): Promise<{ disabled: boolean; display_name: string } | null> {
    const row = this.rows.get(`${appId}:${userId}`);
    return row ? { disabled: row.disabled, display_name: row.display_name } : null;
  }

  async page(q: UserPageQuery): Promise<UserRecord[]> {
    return [...this.rows.values()]
      .filter((u) => u.app_id === q.appId && (q.disabled === undefined || u.disabled === q.disabled) && (q.after === undefined || u.user_id > q.after))
      .sort((a, b) => (a.user_id < b.user_id ? -1 : 1))
      .slice(0, q.limit);
  }

  async delete(appId: string, userId: string): Promise<boolean> {
    return this.rows.delete(`${appId}:${userId}`);
  }
}

function setUp() {
  const repository = new FakeUsersRepository();
  const steps: string[] = [];
  const announce = jest.fn(async (change: { type: string; user_id?: string }) => void steps.push(`announce ${change.type} ${change.user_id}`));
  const deletionHooks = new UserDeletionHooks();
  const disableHooks = new UserDisableHooks();
  deletionHooks.register(async (id) => void steps.push(`deletion hook ${id} (stored: ${repository.rows.has(`app:${id}`)})`));
  disableHooks.register(async (id) => void steps.push(`disable hook ${id}`));
  const service = new UsersService(
    { appId: 'app' } as AppConfig,
    repository as unknown as UsersRepository,
    { announce } as unknown as PolicyEvents,
    deletionHooks,
    disableHooks,
  );
  (service as unknown as Partial<OnModuleInit>).onModuleInit?.();
  return { service, repository, announce, steps, deletionHooks };
}

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (err: unknown) => (err instanceof DomainError ? err.code : err));

describe('UsersService', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('creates a user, then replaces the profile keeping the status, announcing both times', async () => {
    const { service, repository, announce } = setUp();
    const first = await service.put('ann', { display_name: 'Ann', metadata: { team: 'a' } });
    expect(first).toMatchObject({ created: true, user: { user_id: 'ann', display_name: 'Ann', metadata: { team: 'a' }, disabled: false } });
    expect(first.user).not.toHaveProperty('_id');
    expect(first.user).not.toHaveProperty('app_id');

    await service.setStatus('ann', { disabled: true, reason: 'spam' });
    const second = await service.put('ann', { display_name: 'Ann B' });
    expect(second).toMatchObject({ created: false, user: { display_name: 'Ann B', disabled: true, disabled_reason: 'spam' } });
    expect(second.user).not.toHaveProperty('metadata'); // a PUT without metadata removes it
    expect(repository.rows.get('app:ann')).not.toHaveProperty('metadata');
    // A retried PUT after a failed announcement must still announce: every call does.
    expect(announce.mock.calls.filter(([c]) => c.type === 'user.changed')).toHaveLength(3);
  });

  it('answers CONFLICT when the user is deleted between its insert and its update, twice', async () => {
    const { service, repository } = setUp();
    await service.put('ann', { display_name: 'Ann' });
    repository.vanishOnUpdate = 2;
    expect(await codeOf(service.put('ann', { display_name: 'x' }))).toBe(ErrorCode.CONFLICT);
  });

  it('answers USER_NOT_FOUND for a user it does not have, on get, update, status and delete', async () => {
    const { service } = setUp();
    expect(await codeOf(service.get('nobody'))).toBe(ErrorCode.USER_NOT_FOUND);
    expect(await codeOf(service.update('nobody', { display_name: 'x' }))).toBe(ErrorCode.USER_NOT_FOUND);
    expect(await codeOf(service.setStatus('nobody', { disabled: false }))).toBe(ErrorCode.USER_NOT_FOUND);
    expect(await codeOf(service.delete('nobody'))).toBe(ErrorCode.USER_NOT_FOUND);
  });

  it('refuses an update without a field to change before writing, and removes metadata given as null', async () => {
    const { service, repository } = setUp();
    await service.put('ann', { display_name: 'Ann', metadata: { a: 1 } });
    const update = jest.spyOn(repository, 'update');
    expect(await codeOf(service.update('ann', {}))).toBe(ErrorCode.VALIDATION_FAILED);
    expect(update).not.toHaveBeenCalled();
    const user = await service.update('ann', { metadata: null });
    expect(user).not.toHaveProperty('metadata');
    expect(user.display_name).toBe('Ann');
  });

  it('pages users in id order with a cursor, and filters by status', async () => {
    const { service } = setUp();
    for (const id of ['cy', 'al', 'bo', 'di']) await service.put(id, { display_name: id });
    await service.setStatus('bo', { disabled: true, reason: 'r' });
    const first = await service.list({ limit: 3 });
    expect(first.items.map((u) => u.user_id)).toEqual(['al', 'bo', 'cy']);
    const rest = await service.list({ limit: 3, cursor: first.next_cursor! });
    expect(rest).toEqual({ items: [expect.objectContaining({ user_id: 'di' })], next_cursor: null });
    expect((await service.list({ limit: 10, disabled: true })).items.map((u) => u.user_id)).toEqual(['bo']);
    expect(await codeOf(service.list({ limit: 3, cursor: 'not-a-cursor' }))).toBe(ErrorCode.VALIDATION_FAILED);
  });

  it('disables: stores why and when, announces, then runs the disable hooks; enabling clears them and runs none', async () => {
    const { service, steps } = setUp();
    await service.put('ann', { display_name: 'Ann' });
    steps.length = 0;
    const disabled = await service.setStatus('ann', { disabled: true, reason: 'spam' });
    expect(disabled).toMatchObject({ disabled: true, disabled_reason: 'spam', disabled_at: expect.any(Number) });
    expect(steps).toEqual(['announce user.changed ann', 'disable hook ann']);

    steps.length = 0;
    const enabled = await service.setStatus('ann', { disabled: false });
    expect(enabled.disabled).toBe(false);
    expect(enabled).not.toHaveProperty('disabled_reason');
    expect(enabled).not.toHaveProperty('disabled_at');
    expect(steps).toEqual(['announce user.changed ann']);
  });

  it('deletes: the deletion hooks run while the user is still stored, then the record goes and the deletion is announced', async () => {
    const { service, repository, steps } = setUp();
    await service.put('ann', { display_name: 'Ann' });
    steps.length = 0;
    await service.delete('ann');
    expect(steps).toEqual(['deletion hook ann (stored: true)', 'announce user.deleted ann']);
    expect(repository.rows.has('app:ann')).toBe(false);
    // A retry (the announcement failed the first time) announces again, and says the user is gone.
    steps.length = 0;
    expect(await codeOf(service.delete('ann'))).toBe(ErrorCode.USER_NOT_FOUND);
    expect(steps).toEqual(['announce user.deleted ann']);
  });

  it('keeps the user when a deletion hook fails, so the deletion can be retried', async () => {
    const { service, repository, deletionHooks } = setUp();
    await service.put('ann', { display_name: 'Ann' });
    deletionHooks.register(async () => {
      throw new Error('broker down');
    });
    await expect(service.delete('ann')).rejects.toThrow('broker down');
    expect(repository.rows.has('app:ann')).toBe(true);
  });

  it('asserts registration of every user named, failing on the first missing', async () => {
    const { service } = setUp();
    await service.put('ann', { display_name: 'Ann' });
    await expect(service.assertRegistered('ann')).resolves.toBeUndefined();
    await expect(service.assertRegistered('ann', 'bob')).rejects.toMatchObject({ code: ErrorCode.USER_NOT_FOUND, message: 'user bob not found' });
  });
});
