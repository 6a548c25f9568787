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

describe('MessagesRepository: redelivered messages found by their dedupe keys', () => {
  /** Messages with a unique dedupe key over a plain map; `lookups` records each `findOne` filter. */
  function store() {
    const messages = new Map<string, Record<string, unknown>>();
    const lookups: Array<Record<string, unknown>> = [];
    const hidden = new Set<string>();
    const model = {
      collection: {
        insertMany: jest.fn(async (docs: Array<Record<string, unknown>>) => {
          const taken: number[] = [];
          docs.forEach((d, i) => {
            if ([...messages.values()].some((m) => m.app_id === d.app_id && m.dedupe_key === d.dedupe_key)) taken.push(i);
            else messages.set(String(d._id), d);
          });
          if (taken.length > 0) {
            const writeErrors = taken.map((index) => ({ index, code: 11000, errmsg: 'E11000' }));
            throw new mongo.MongoBulkWriteError({ message: 'E11000', code: 11000, writeErrors } as never, {} as never);
          }
        }),
      },
      findOne: (filter: Record<string, unknown>) => ({
        lean: () => ({
          exec: async () => {
            lookups.push(filter);
            if (hidden.has(String(filter.dedupe_key))) return null;
            return [...messages.values()].find((m) => m.app_id === filter.app_id && m.dedupe_key === filter.dedupe_key) ?? null;
          },
        }),
      }),
    };
    return { repository: new MessagesRepository(model as never), lookups, hidden };
  }

  it('returns the stored version of each redelivered message, by one {app_id, dedupe_key} equality each', async () => {
    const t = store();
    await t.repository.insertBatch([record(1), record(2)]);
    expect(t.lookups).toEqual([]); // nothing is read for new messages
    const outcome = await t.repository.insertBatch([{ ...record(2), _id: 'id2-new' }, record(3)]);
    expect(outcome.duplicates.get('a:c2')?._id).toBe('id2');
    expect([...outcome.duplicates.keys()]).toEqual(['a:c2']);
    expect(t.lookups).toEqual([{ app_id: 'app', dedupe_key: 'a:c2' }]);
  });

  it('throws a transient error when a reported duplicate cannot be found (the batch is retried)', async () => {
    const t = store();
    await t.repository.insertBatch([record(1)]);
    t.hidden.add('a:c1'); // e.g. read from a node that has not seen the write yet
    await expect(t.repository.insertBatch([{ ...record(1), _id: 'id1-new' }])).rejects.toThrow(/duplicate key reported but not found: a:c1/);
  });
});
