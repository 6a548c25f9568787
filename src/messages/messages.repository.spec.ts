import { mongo } from 'mongoose';
import { MessageRecord } from './message.record';
import { MessagesRepository, TransientWriteError } from './messages.repository';

function record(n: number, text = `m${n}`): MessageRecord {
  return { _id: `id${n}`, app_id: 'app', pair: 'a|b', sender: 'a', recipient: 'b', type: 'text', text, dedupe_key: `a:c${n}`, timestamp: n };
}

const refusal = (message: string) => new mongo.MongoServerError({ message, code: 2, errmsg: message });

/**
 * A collection that refuses, as a whole command, any insert holding a document whose text is
 * "poison" (as FerretDB refuses a document it cannot store), or everything while `down`.
 */
function setup() {
  const stored: Array<Record<string, unknown>> = [];
  const state = { down: false, probeFails: false, calls: 0 };
  const model = {
    collection: {
      insertMany: jest.fn(async (docs: Array<Record<string, unknown>>) => {
        state.calls++;
        if (state.down) throw new mongo.MongoNetworkError('connection refused');
        if (docs.some((d) => d.text === 'poison')) throw refusal('document cannot be stored');
        stored.push(...docs);
      }),
    },
    db: {
      collection: () => ({
        insertOne: jest.fn(async () => {
          if (state.probeFails) throw refusal('every write fails');
        }),
        deleteOne: jest.fn(async () => undefined),
      }),
    },
  };
  return { repository: new MessagesRepository(model as never), stored, state };
}

describe('MessagesRepository.insertBatch', () => {
  it('isolates the documents the server refuses, stores the rest, and says why each was refused', async () => {
    const t = setup();
    const batch = [1, 2, 3, 4, 5, 6, 7].map((n) => record(n, n === 3 || n === 6 ? 'poison' : `m${n}`));
    const outcome = await t.repository.insertBatch(batch);
    expect([...outcome.refused.keys()]).toEqual(['a:c3', 'a:c6']);
    expect(outcome.refused.get('a:c3')).toContain('document cannot be stored');
    expect(t.stored.map((d) => d.text)).toEqual(['m1', 'm2', 'm4', 'm5', 'm7']);
  });

  it('throws a transient error, refusing nothing, when the database is away', async () => {
    const t = setup();
    t.state.down = true;
    await expect(t.repository.insertBatch([record(1), record(2)])).rejects.toBeInstanceOf(TransientWriteError);
    expect(t.state.calls).toBe(1);
  });

  it('refuses nothing when the server refuses even a probe write: the database, not the message, is at fault', async () => {
    const t = setup();
    t.state.probeFails = true;
    await expect(t.repository.insertBatch([record(1, 'poison'), record(2)])).rejects.toBeInstanceOf(TransientWriteError);
  });

  it('stores free-form fields as JSON text, whatever their keys', async () => {
    const t = setup();
    const r = { ...record(1), attributes: { $gt: 1, 'a.b': [[1], [2]], 'x\u0000y': null }, metadata: { deep: { $where: 'x' } } };
    await t.repository.insertBatch([r]);
    expect(t.stored[0].attributes).toBe(JSON.stringify(r.attributes));
    expect(t.stored[0].metadata).toBe(JSON.stringify(r.metadata));
  });
});

describe('MessagesRepository: redelivered messages found by their recorded keys', () => {
  /** Messages with a unique dedupe key, and message_keys, over plain maps; `find` counts the slow scans. */
  function keyedStore() {
    const messages = new Map<string, Record<string, unknown>>();
    const keys = new Map<string, Record<string, unknown>>();
    const scans = { count: 0 };
    const duplicateError = (indexes: number[]) =>
      new mongo.MongoBulkWriteError({ message: 'E11000', code: 11000, writeErrors: indexes.map((index) => ({ index, code: 11000, errmsg: 'E11000' })) } as never, {} as never);
    const insertInto = (target: Map<string, Record<string, unknown>>, unique: (d: Record<string, unknown>) => string) =>
      jest.fn(async (docs: Array<Record<string, unknown>>) => {
        const taken: number[] = [];
        docs.forEach((d, i) => {
          if ([...target.values()].some((x) => unique(x) === unique(d))) taken.push(i);
          else target.set(String(d._id), d);
        });
        if (taken.length > 0) throw duplicateError(taken);
      });
    const model = {
      collection: { insertMany: insertInto(messages, (d) => String(d.dedupe_key)) },
      findById: (id: string) => ({ lean: () => ({ exec: async () => messages.get(id) ?? null }) }),
      find: (filter: { dedupe_key: { $in: string[] } }) => ({
        lean: () => ({
          exec: async () => {
            scans.count++;
            return [...messages.values()].filter((m) => filter.dedupe_key.$in.includes(String(m.dedupe_key)));
          },
        }),
      }),
      db: {
        collection: () => ({
          insertMany: insertInto(keys, (d) => String(d._id)),
          findOne: async (q: { _id: string }) => keys.get(q._id) ?? null,
        }),
      },
    };
    return { repository: new MessagesRepository(model as never), messages, keys, scans };
  }

  it('finds a redelivered message by _id lookups when its key was recorded, without a scan', async () => {
    const t = keyedStore();
    await t.repository.insertBatch([record(1), record(2)]);
    await t.repository.recordKeys([record(1), record(2)]);
    const again = { ...record(2), _id: 'id2-new' };
    const outcome = await t.repository.insertBatch([again, record(3)]);
    expect(outcome.duplicates.get('a:c2')?._id).toBe('id2');
    expect(t.scans.count).toBe(0);
  });

  it('finds one stored before its key was recorded the slow way, and records its key for next time', async () => {
    const t = keyedStore();
    await t.repository.insertBatch([record(1)]); // stored, key not recorded (a crash in between)
    const outcome = await t.repository.insertBatch([{ ...record(1), _id: 'id1-new' }]);
    expect(outcome.duplicates.get('a:c1')?._id).toBe('id1');
    expect(t.scans.count).toBe(1);
    expect([...t.keys.values()]).toEqual([{ _id: '3:app:a:c1', message_id: 'id1' }]);
    await t.repository.insertBatch([{ ...record(1), _id: 'id1-newer' }]);
    expect(t.scans.count).toBe(1);
  });

  it('leaves a key recorded already as it is', async () => {
    const t = keyedStore();
    await t.repository.recordKeys([record(1)]);
    await expect(t.repository.recordKeys([{ ...record(1), _id: 'other' }, record(2)])).resolves.toBeUndefined();
    expect([...t.keys.values()].map((k) => k.message_id)).toEqual(['id1', 'id2']);
  });
});
