import { ConversationWriter } from './conversation-writer';
import { ConversationChangeRecord, entriesOf } from './conversation-change.schema';
import { ConversationChangesRepository } from './conversation-changes.repository';
import { ConversationFolder } from './conversation-folder';
import { MetricsService } from '../metrics/metrics.service';

const last = (id: string, ts: number) => ({ message_id: id, sender: 'a', type: 'text', text: id, timestamp: ts });

function setup(failFirst = 0) {
  const inserts: ConversationChangeRecord[][] = [];
  const tracked: ConversationChangeRecord[][] = [];
  let failures = failFirst;
  const changes = {
    insert: jest.fn(async (records: ConversationChangeRecord[]) => {
      inserts.push(structuredClone(records));
      if (failures-- > 0) throw new Error('database down');
      return [] as ConversationChangeRecord[];
    }),
  };
  const folder = { track: jest.fn((records: ConversationChangeRecord[]) => tracked.push(records)) };
  const lags: number[] = [];
  const metrics = { summaryLag: { observe: (seconds: number) => lags.push(seconds) } } as unknown as MetricsService;
  const writer = new ConversationWriter(changes as unknown as ConversationChangesRepository, folder as unknown as ConversationFolder, metrics);
  return { writer, inserts, tracked, changes, lags };
}

/** The changes of one owner's conversations in these records. */
const side = (records: ConversationChangeRecord[], owner: string) => records.flatMap(entriesOf).filter((c) => c.owner === owner);

describe('ConversationWriter', () => {
  it('coalesces per conversation (the newest message wins, unread counts add up) into one insert of one record per owner', async () => {
    const { writer, inserts, tracked } = setup();
    writer.recordMessage('app', 'a', 'b', last('01B', 2));
    writer.recordMessage('app', 'a', 'b', last('01A', 1)); // older, arrives later
    writer.recordMessage('app', 'a', 'b', last('01C', 3));
    writer.recordMessage('app', 'a', 'c', last('01E', 5));
    writer.recordGroupMessage('app', 'g', last('01D', 4));
    await writer.flush();
    expect(inserts).toHaveLength(1);
    const [records] = inserts;
    expect(records.map((r) => r.owner).sort()).toEqual(['a', 'b', 'c', 'g']);
    expect(side(records, 'a')).toEqual([
      expect.objectContaining({ peer: 'b', unread_increment: 0, revised: false, last_message: expect.objectContaining({ message_id: '01C' }) }),
      expect.objectContaining({ peer: 'c', unread_increment: 0, last_message: expect.objectContaining({ message_id: '01E' }) }),
    ]);
    expect(side(records, 'b')).toEqual([expect.objectContaining({ peer: 'a', unread_increment: 3, last_message: expect.objectContaining({ message_id: '01C' }) })]);
    expect(side(records, 'g')).toEqual([expect.objectContaining({ peer: 'g', unread_increment: 1 })]);
    expect(new Set(records.map((r) => r._id)).size).toBe(4);
    expect(tracked).toEqual([records]); // handed to the folder once inserted
    expect(writer.pendingCount).toBe(0);
  });

  it('does not count a message to oneself as unread', async () => {
    const { writer, inserts } = setup();
    writer.recordMessage('app', 'a', 'a', last('01A', 1));
    await writer.flush();
    expect(inserts[0].flatMap(entriesOf)).toEqual([expect.objectContaining({ owner: 'a', peer: 'a', unread_increment: 0 })]);
  });

  it('inserts a change not inserted yet revised, and each revision as a record of its own', async () => {
    const { writer, inserts } = setup();
    writer.recordMessage('app', 'a', 'b', last('01A', 1));
    writer.reviseMessage('app', 'a', 'b', { ...last('01A', 1), text: 'one', edited_at: 4 });
    writer.reviseMessage('app', 'a', 'b', { ...last('01A', 1), text: 'edited', edited_at: 5 });
    await writer.flush();
    const records = side(inserts[0], 'a');
    expect(records.map((r) => [r.revised, r.last_message.text])).toEqual([
      [false, 'edited'],
      [true, 'edited'], // the latest revision of the message
    ]);
  });

  it('after a failed insert inserts the same records (same ids) again before anything newer, and hands them to the folder once', async () => {
    const { writer, inserts, tracked } = setup(1);
    writer.recordMessage('app', 'a', 'b', last('01A', 1));
    await expect(writer.flush()).rejects.toThrow('database down');
    expect(tracked).toEqual([]);
    writer.recordMessage('app', 'a', 'b', last('01B', 2));
    await writer.flush();
    const [failed, retried] = inserts;
    expect(retried.slice(0, failed.length)).toEqual(failed);
    expect(side(retried.slice(failed.length), 'b')).toEqual([expect.objectContaining({ unread_increment: 1, last_message: expect.objectContaining({ message_id: '01B' }) })]);
    expect(tracked).toEqual([retried]);
    await writer.onModuleDestroy();
  });

  it('splits an owner’s changes of one window into records of at most 1 MiB of text', async () => {
    const { writer, inserts } = setup();
    const long = (id: string, ts: number) => ({ ...last(id, ts), text: 'x'.repeat(600 * 1024) });
    writer.recordMessage('app', 'a', 'b', long('01A', 1));
    writer.recordMessage('app', 'c', 'b', long('01B', 2));
    writer.recordMessage('app', 'd', 'b', last('01C', 3));
    await writer.flush();
    const ofB = inserts[0].filter((r) => r.owner === 'b');
    expect(ofB.map((r) => r.changes.map((c) => c.peer))).toEqual([['a'], ['c', 'd']]);
  });

  it('leaves out records the database refuses, hands the rest to the folder, and never inserts those again', async () => {
    const { writer, inserts, tracked, changes } = setup();
    changes.insert.mockImplementationOnce(async (records: ConversationChangeRecord[]) => {
      inserts.push(structuredClone(records));
      return records.filter((r) => r.owner === 'b');
    });
    writer.recordMessage('app', 'a', 'b', last('01A', 1));
    await writer.flush();
    expect(tracked.map((records) => records.map((r) => r.owner))).toEqual([['a']]);
    expect(writer.pendingCount).toBe(0);
    writer.recordMessage('app', 'a', 'c', last('01B', 2));
    await writer.flush();
    expect(inserts[1].map((r) => r.owner).sort()).toEqual(['a', 'c']);
  });

  describe('timing', () => {
    beforeEach(() => jest.useFakeTimers({ now: 0 }));
    afterEach(() => jest.useRealTimers());

    it('inserts a quarter of a second after the first change of a window, and again for what came meanwhile', async () => {
      const { writer, inserts } = setup();
      writer.recordMessage('app', 'a', 'b', last('01A', 1));
      await jest.advanceTimersByTimeAsync(150);
      writer.recordMessage('app', 'a', 'c', last('01B', 2));
      await jest.advanceTimersByTimeAsync(99);
      expect(inserts).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(inserts.map((r) => r.flatMap(entriesOf).length)).toEqual([4]);
      writer.recordMessage('app', 'a', 'b', last('01C', 3));
      await jest.advanceTimersByTimeAsync(250);
      expect(inserts.map((r) => r.flatMap(entriesOf).length)).toEqual([4, 2]);
    });

    it('measures each insert from the first change it holds (engine_summary_lag_seconds), a failed one from its first attempt', async () => {
      const { writer, lags, changes } = setup();
      writer.recordMessage('app', 'a', 'b', last('01A', 1));
      await jest.advanceTimersByTimeAsync(100);
      writer.recordMessage('app', 'a', 'c', last('01B', 2));
      await jest.advanceTimersByTimeAsync(150);
      expect(lags).toEqual([0.25]);
      changes.insert.mockRejectedValueOnce(new Error('database down'));
      writer.recordMessage('app', 'a', 'b', last('01C', 3));
      await jest.advanceTimersByTimeAsync(250); // fails; retried 500 ms later
      expect(lags).toEqual([0.25]);
      await jest.advanceTimersByTimeAsync(500);
      expect(lags).toEqual([0.25, 0.75]);
    });

    it('at shutdown inserts what is pending at once', async () => {
      const { writer, inserts } = setup();
      writer.recordMessage('app', 'a', 'b', last('01A', 1));
      await writer.onModuleDestroy();
      expect(inserts.map((r) => r.flatMap(entriesOf).length)).toEqual([2]);
    });
  });
});
