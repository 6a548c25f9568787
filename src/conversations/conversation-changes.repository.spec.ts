import { Model, mongo } from 'mongoose';
import { BulkUpdates, STATEMENTS_PER_BULK } from '../database';
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
  return { repository: new ConversationChangesRepository({ collection } as unknown as Model<ConversationChangeRecord>, new BulkUpdates()), calls };
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

describe('ConversationChangesRepository.delete', () => {
  const key = (id: string, owner: string, app_id = 'app') => ({ _id: id, app_id, owner });

  it("deletes with one statement per owner, narrowed by the owner's index, in bulks under the engine's budget", async () => {
    const bulks: unknown[][] = [];
    const bulkWrite = jest.fn(async (ops: unknown[], _options: { ordered: boolean }) => void bulks.push(ops));
    const repository = new ConversationChangesRepository({ bulkWrite } as unknown as Model<ConversationChangeRecord>, new BulkUpdates());
    const owners = Array.from({ length: STATEMENTS_PER_BULK + 2 }, (_, i) => `u${i}`);
    // Two records of each owner, one of them twice, and an owner of the same name in another app.
    const records = owners.flatMap((o) => [key(`${o}-1`, o), key(`${o}-2`, o), key(`${o}-1`, o)]).concat(key('x-1', 'u0', 'other'));
    await repository.delete(records);
    const statements = bulks.flat() as Array<{ deleteMany: { filter: { app_id: string; owner: string; _id: { $in: string[] } } } }>;
    expect(bulks.every((b) => b.length <= STATEMENTS_PER_BULK)).toBe(true);
    expect(statements).toHaveLength(owners.length + 1);
    expect(statements).toContainEqual({ deleteMany: { filter: { app_id: 'app', owner: 'u0', _id: { $in: ['u0-1', 'u0-2'] } } } });
    expect(statements).toContainEqual({ deleteMany: { filter: { app_id: 'other', owner: 'u0', _id: { $in: ['x-1'] } } } });
    expect(bulkWrite.mock.calls.every(([, options]) => options.ordered === false)).toBe(true);
  });

  it('throws when a bulk failed, so the records are deleted again later', async () => {
    const bulkWrite = jest.fn(async () => {
      throw new Error('socket timed out');
    });
    const repository = new ConversationChangesRepository({ bulkWrite } as unknown as Model<ConversationChangeRecord>, new BulkUpdates());
    await expect(repository.delete([key('a', 'u0')])).rejects.toThrow('socket timed out');
  });
});
