import { ConversationWriter } from './conversation-writer';
import { BulkUpdates, MAX_BULKS_AT_ONCE, STATEMENTS_PER_BULK } from '../database';
import { ConversationChange, ConversationRevision, ConversationsRepository } from './conversations.repository';

const last = (id: string, ts: number) => ({ message_id: id, sender: 'a', type: 'text', text: id, timestamp: ts });

function setup(failFirst = 0) {
  const bulks: ConversationChange[][] = [];
  const writes: Array<'change' | 'revise'> = [];
  const revised: ConversationRevision[][] = [];
  let failures = failFirst;
  const repository = {
    applyBulk: jest.fn(async (changes: ConversationChange[]) => {
      if (failures-- > 0) throw new Error('database down');
      bulks.push(changes.map((c) => ({ ...c, last: { ...c.last } })));
      writes.push('change');
    }),
    reviseBulk: jest.fn(async (revisions: ConversationRevision[]) => {
      if (failures-- > 0) throw new Error('database down');
      revised.push(revisions.map((r) => ({ ...r })));
      writes.push('revise');
    }),
  };
  return { writer: new ConversationWriter(repository as unknown as ConversationsRepository, new BulkUpdates()), bulks, revised, writes, repository };
}

describe('ConversationWriter', () => {
  it('coalesces per conversation: the newest message wins, unread counts add up', async () => {
    const { writer, bulks } = setup();
    writer.recordMessage('app', 'a', 'b', last('01B', 2));
    writer.recordMessage('app', 'a', 'b', last('01A', 1)); // older, arrives later
    writer.recordMessage('app', 'a', 'b', last('01C', 3));
    await writer.flush();
    expect(bulks).toHaveLength(1);
    const byOwner = Object.fromEntries(bulks[0].map((c) => [c.owner, c]));
    expect(byOwner.a).toMatchObject({ peer: 'b', unreadIncrement: 0, last: { message_id: '01C' } });
    expect(byOwner.b).toMatchObject({ peer: 'a', unreadIncrement: 3, last: { message_id: '01C' } });
  });

  describe('bulks', () => {
    beforeEach(() => jest.useFakeTimers({ now: 0, doNotFake: ['setImmediate'] }));
    afterEach(() => jest.useRealTimers());

    /** Records both sides of twice as many conversations as fit in the bulks that may run at once; counts bulks in flight. */
    function busyWriter() {
      const t = setup();
      const seen = { peak: 0, inFlight: 0 };
      const write = t.repository.applyBulk.getMockImplementation()!;
      t.repository.applyBulk.mockImplementation(async (changes) => {
        seen.peak = Math.max(seen.peak, ++seen.inFlight);
        await new Promise((r) => setImmediate(r));
        await write(changes);
        seen.inFlight--;
      });
      for (let i = 0; i < STATEMENTS_PER_BULK * MAX_BULKS_AT_ONCE; i++) t.writer.recordMessage('app', `u${i}`, 'peer', last(`01${i}`, i));
      return { ...t, seen };
    }

    it('once no message arrived for 250 ms, writes bulks of STATEMENTS_PER_BULK side by side, as many as the budget allows', async () => {
      const { writer, bulks, seen } = busyWriter();
      jest.setSystemTime(250);
      await writer.flush();
      expect(bulks.map((b) => b.length)).toEqual(new Array(2 * MAX_BULKS_AT_ONCE).fill(STATEMENTS_PER_BULK));
      expect(seen.peak).toBe(MAX_BULKS_AT_ONCE);
    });

    it('while messages arrive, writes one bulk at a time (the inserts never wait behind several)', async () => {
      const { writer, bulks, seen } = busyWriter();
      jest.setSystemTime(249);
      await writer.flush();
      expect(bulks).toHaveLength(2 * MAX_BULKS_AT_ONCE);
      expect(seen.peak).toBe(1);
    });

    it('at shutdown writes side by side at once, the pipeline having stopped', async () => {
      const { writer, bulks, seen } = busyWriter();
      await writer.onModuleDestroy();
      expect(bulks).toHaveLength(2 * MAX_BULKS_AT_ONCE);
      expect(seen.peak).toBe(MAX_BULKS_AT_ONCE);
    });
  });

  it('after a failed bulk keeps what was not written and writes it once at the next flush, not what was', async () => {
    const { writer, bulks, repository } = setup();
    const write = repository.applyBulk.getMockImplementation()!;
    let calls = 0;
    repository.applyBulk.mockImplementation(async (changes) => {
      await new Promise((r) => setImmediate(r));
      if (++calls === 2) throw new Error('database down');
      await write(changes);
    });
    const conversations = 3 * STATEMENTS_PER_BULK; // 6 bulks
    for (let i = 0; i < conversations; i++) writer.recordMessage('app', `u${i}`, 'peer', last(`01${i}`, i));
    await expect(writer.flush()).rejects.toThrow('database down');
    const firstFlush = bulks.flat().map((c) => `${c.owner}:${c.peer}`);
    expect(firstFlush.length).toBeGreaterThan(0);
    expect(writer.pendingCount).toBe(2 * conversations - firstFlush.length);
    await writer.flush();
    const all = bulks.flat().map((c) => `${c.owner}:${c.peer}`);
    expect(all).toHaveLength(2 * conversations); // each side written exactly once
    expect(new Set(all).size).toBe(2 * conversations);
    await writer.onModuleDestroy();
  });

  it('keeps what failed and merges it with newer changes, counting each message once', async () => {
    const { writer, bulks } = setup(1);
    writer.recordMessage('app', 'a', 'b', last('01A', 1));
    await expect(writer.flush()).rejects.toThrow('database down');
    writer.recordMessage('app', 'a', 'b', last('01B', 2));
    await writer.flush();
    const b = bulks.flat().find((c) => c.owner === 'b');
    expect(b).toMatchObject({ unreadIncrement: 2, last: { message_id: '01B' } });
    expect(writer.pendingCount).toBe(0);
    await writer.onModuleDestroy();
  });

  it('revises an edited message: a change not yet written is written revised, and the stored summaries after the changes', async () => {
    const { writer, bulks, revised, writes } = setup();
    writer.recordMessage('app', 'a', 'b', last('01A', 1));
    writer.reviseMessage('app', 'a', 'b', { ...last('01A', 1), text: 'edited', edited_at: 5 });
    writer.reviseMessage('app', 'b', 'a', { ...last('01A', 1), text: 'edited', edited_at: 5 });
    await writer.flush();
    expect(bulks[0].find((c) => c.owner === 'a')?.last).toMatchObject({ text: 'edited', edited_at: 5 });
    expect(revised[0].map((r) => [r.owner, r.peer, r.last.text])).toEqual([
      ['a', 'b', 'edited'],
      ['b', 'a', 'edited'],
    ]);
    expect(writes).toEqual(['change', 'revise']);
    expect(writer.pendingCount).toBe(0);
  });

  it('keeps the latest revision of a message, each message of a conversation apart, and retries what failed', async () => {
    const { writer, revised } = setup(1);
    writer.reviseMessage('app', 'g', 'g', { ...last('01A', 1), text: 'one' });
    writer.reviseMessage('app', 'g', 'g', { ...last('01A', 1), text: '', deleted_at: 9 });
    writer.reviseMessage('app', 'g', 'g', { ...last('01B', 2), text: 'other' });
    await expect(writer.flush()).rejects.toThrow('database down');
    expect(writer.pendingCount).toBe(2);
    await writer.flush();
    expect(revised.flat().map((r) => [r.last.message_id, r.last.text])).toEqual([
      ['01A', ''],
      ['01B', 'other'],
    ]);
    await writer.onModuleDestroy();
  });

  it('does not count a message to oneself as unread', async () => {
    const { writer, bulks } = setup();
    writer.recordMessage('app', 'a', 'a', last('01A', 1));
    await writer.flush();
    expect(bulks[0]).toEqual([expect.objectContaining({ owner: 'a', peer: 'a', unreadIncrement: 0 })]);
  });

  describe('rest', () => {
    beforeEach(() => jest.useFakeTimers({ now: 0 }));
    afterEach(() => jest.useRealTimers());

    /** A slow database: each flush takes 2 s; the first one starts after the 1 s window and ends at 3 s. */
    async function slowWriter() {
      const bulks: number[] = [];
      const repository = {
        applyBulk: jest.fn(async () => {
          bulks.push(Date.now());
          await new Promise((r) => setTimeout(r, 2000));
        }),
      };
      const writer = new ConversationWriter(repository as unknown as ConversationsRepository, new BulkUpdates());
      writer.recordMessage('app', 'a', 'b', last('01A', 1));
      await jest.advanceTimersByTimeAsync(1000);
      expect(bulks).toEqual([1000]);
      return { writer, bulks };
    }

    it('while messages keep arriving, rests three times as long as its last flush took', async () => {
      const { writer, bulks } = await slowWriter();
      for (let t = 1000; t < 9000; t += 100) {
        writer.recordMessage('app', 'a', 'b', last(`01B${t}`, t)); // the pipeline stays busy
        await jest.advanceTimersByTimeAsync(100);
        if (t < 8900) expect(bulks).toEqual([1000]); // resting until 3 s + 3 x 2 s
      }
      await jest.advanceTimersByTimeAsync(250);
      expect(bulks).toEqual([1000, 9000]);
      await jest.advanceTimersByTimeAsync(2000);
    });

    it('cuts the rest short once no message arrived for 250 ms', async () => {
      const { writer, bulks } = await slowWriter();
      writer.recordMessage('app', 'a', 'b', last('01B', 2)); // at 1 s; none after: its window ends at 2 s
      await jest.advanceTimersByTimeAsync(1999);
      expect(bulks).toEqual([1000]);
      await jest.advanceTimersByTimeAsync(1); // the first flush ends at 3 s, quiet since 1 s: no rest
      expect(bulks).toEqual([1000, 3000]);
      await jest.advanceTimersByTimeAsync(2000);
    });
  });
});
