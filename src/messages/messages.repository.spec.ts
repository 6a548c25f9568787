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
