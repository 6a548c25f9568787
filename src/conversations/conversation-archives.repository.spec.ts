import { Model } from 'mongoose';
import { ConversationArchive } from './conversation-archive.schema';
import { ConversationArchivesRepository } from './conversation-archives.repository';

function modelFailing(...errors: unknown[]) {
  const updateOne = jest.fn(() => ({ exec: () => (errors.length ? Promise.reject(errors.shift()) : Promise.resolve({})) }));
  return { model: { updateOne } as unknown as Model<ConversationArchive>, updateOne };
}

describe('ConversationArchivesRepository.set', () => {
  it('sets the whole mark by _id in one upsert, never reading it first', async () => {
    const { model, updateOne } = modelFailing();
    await new ConversationArchivesRepository(model).set('app', 'me', 'bob', 42);
    expect(updateOne).toHaveBeenCalledTimes(1);
    expect(updateOne).toHaveBeenCalledWith(
      { _id: 'app:me:bob' },
      { $set: { archived_at: 42 }, $setOnInsert: { app_id: 'app', owner: 'me', peer: 'bob' } },
      { upsert: true },
    );
  });

  it('tries once more after a duplicate key (two first archives at once on FerretDB), then it is an update', async () => {
    const { model, updateOne } = modelFailing(Object.assign(new Error('E11000'), { code: 11000 }));
    await new ConversationArchivesRepository(model).set('app', 'me', 'bob', 42);
    expect(updateOne).toHaveBeenCalledTimes(2);
  });

  it('lets any other failure through (the pipeline retries the command)', async () => {
    const { model, updateOne } = modelFailing(Object.assign(new Error('down'), { code: 6 }));
    await expect(new ConversationArchivesRepository(model).set('app', 'me', 'bob', 42)).rejects.toThrow('down');
    expect(updateOne).toHaveBeenCalledTimes(1);
  });
});
