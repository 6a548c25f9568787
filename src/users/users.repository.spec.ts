import { Model } from 'mongoose';
import { User } from './user.schema';
import { UsersRepository } from './users.repository';

/** A stand-in for the Mongoose model that keeps documents as the database would. */
function fakeModel() {
  const docs = new Map<string, Record<string, unknown>>();
  const query = (result: () => unknown) => ({ lean: () => ({ exec: async () => structuredClone(result()) }) });
  const model = {
    collection: { insertOne: jest.fn(async (doc: Record<string, unknown>) => void docs.set(doc._id as string, structuredClone(doc))) },
    findById: (id: string) => query(() => docs.get(id) ?? null),
    findOneAndUpdate: jest.fn((filter: { _id: string }, update: { $set: Record<string, unknown>; $unset?: Record<string, unknown> }) =>
      query(() => {
        const doc = docs.get(filter._id);
        if (!doc) return null;
        Object.assign(doc, update.$set);
        for (const key of Object.keys(update.$unset ?? {})) delete doc[key];
        return doc;
      }),
    ),
    find: () => ({ sort: () => ({ limit: () => query(() => [...docs.values()]) }) }),
  };
  return { model, docs, repository: new UsersRepository(model as unknown as Model<User>) };
}

const odd = { $gt: '', 'a.b': { $where: [1, [2]] }, 'a\u0000b': null, n: -0.5 };

describe('UsersRepository', () => {
  it('stores metadata as JSON text and hands it back as the object it was', async () => {
    const { repository, docs } = fakeModel();
    const inserted = await repository.insert('app', 'ann', { display_name: 'Ann', metadata: odd }, 1);
    expect(inserted?.metadata).toEqual(odd);
    expect(docs.get('app:ann')?.metadata).toBe(JSON.stringify(odd));
    expect((await repository.findOne('app', 'ann'))?.metadata).toEqual(odd);
    expect((await repository.page({ appId: 'app', limit: 10 }))[0].metadata).toEqual(odd);

    const updated = await repository.update('app', 'ann', { metadata: { 'x.y': 1 }, updated_at: 2 });
    expect(docs.get('app:ann')?.metadata).toBe('{"x.y":1}');
    expect(updated?.metadata).toEqual({ 'x.y': 1 });
  });

  it('leaves a user without metadata without it, and removes it on request', async () => {
    const { repository, docs } = fakeModel();
    await repository.insert('app', 'bo', { display_name: 'Bo' }, 1);
    expect(docs.get('app:bo')).not.toHaveProperty('metadata');
    await repository.update('app', 'bo', { metadata: { a: 1 } });
    const removed = await repository.update('app', 'bo', { updated_at: 3 }, ['metadata']);
    expect(removed).not.toHaveProperty('metadata');
  });

  it('still reads metadata stored as an object before', async () => {
    const { repository, docs } = fakeModel();
    docs.set('app:old', { _id: 'app:old', app_id: 'app', user_id: 'old', display_name: 'Old', metadata: { team: 'red' }, disabled: false, created_at: 1, updated_at: 1 });
    expect((await repository.findOne('app', 'old'))?.metadata).toEqual({ team: 'red' });
  });
});
