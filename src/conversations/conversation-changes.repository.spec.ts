import { Model, mongo } from 'mongoose';
import { ConversationChangeRecord } from './conversation-change.schema';
import { ConversationChangesRepository } from './conversation-changes.repository';

const record = (id: string): ConversationChangeRecord => ({ _id: id, app_id: 'app', owner: 'o', changes: [], created_at: 0 });
const bulkError = (errors: Array<{ index: number; code: number }>) =>
  new mongo.MongoBulkWriteError({ message: 'bulk', code: errors[0].code, writeErrors: errors.map((e) => ({ ...e, errmsg: String(e.code) })) } as never, {} as never);

function setup(insertMany: (docs: ConversationChangeRecord[]) => Promise<unknown>) {
  const calls: string[][] = [];
  const collection = {
    insertMany: jest.fn(async (docs: ConversationChangeRecord[]) => {
      calls.push(docs.map((d) => d._id));
      return insertMany(docs);
    }),
  };
  return { repository: new ConversationChangesRepository({ collection } as unknown as Model<ConversationChangeRecord>), calls };
}

describe('ConversationChangesRepository.insert', () => {
  it('counts records already in (a retry) as inserted, and returns those the server refused', async () => {
    const { repository } = setup(async () => {
      throw bulkError([
        { index: 0, code: 11000 },
        { index: 2, code: 10334 }, // too large
      ]);
    });
    const records = [record('a'), record('b'), record('c')];
    expect(await repository.insert(records)).toEqual([records[2]]);
  });

  it('throws when the database failed (a transient code), to try again later', async () => {
    const { repository } = setup(async () => {
      throw bulkError([{ index: 1, code: 91 }]); // shutting down
    });
    await expect(repository.insert([record('a'), record('b')])).rejects.toThrow();
  });

  it('splits a batch the driver refused as a whole until the refused record is alone', async () => {
    const { repository, calls } = setup(async (docs) => {
      if (docs.some((d) => d._id === 'bad')) throw new mongo.BSON.BSONError('document is larger than the maximum size');
    });
    const records = [record('a'), record('bad'), record('c'), record('d')];
    expect(await repository.insert(records)).toEqual([records[1]]);
    expect(calls).toEqual([['a', 'bad', 'c', 'd'], ['a', 'bad'], ['a'], ['bad'], ['c', 'd']]);
  });
});
