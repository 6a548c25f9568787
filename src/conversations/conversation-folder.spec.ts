import { BulkUpdates, STATEMENTS_PER_BULK } from '../database';
import { ConversationChangeItem, ConversationChangeRecord } from './conversation-change.schema';
import { ChangeKey, ConversationChangesRepository } from './conversation-changes.repository';
import { COMPACT_AT, ConversationFolder, STOP_WAIT_MS } from './conversation-folder';
import { Conversation, conversationId, LastMessage } from './conversation.schema';
import { ConversationChange, ConversationRevision, ConversationsRepository } from './conversations.repository';

const ENGINE = '00000000aa';
const OTHER_ENGINE = '00000000bb';
let counter = 0;
const nextId = (engine = ENGINE) => `65a00000${engine}${(++counter).toString(16).padStart(6, '0')}`;
const message = (id: string, ts: number, more: Partial<LastMessage> = {}): LastMessage => ({ message_id: id, sender: 'a', type: 'text', text: id, timestamp: ts, ...more });

/** A record of one conversation's change (`revised`: a revision), or of several (`also`). */
function record(
  owner: string,
  peer: string,
  last: LastMessage,
  unread: number,
  more: Partial<ConversationChangeRecord> & { revised?: boolean; also?: ConversationChangeItem[] } = {},
): ConversationChangeRecord {
  const { revised = false, also = [], ...fields } = more;
  return { _id: nextId(), app_id: 'app', owner, changes: [{ peer, last_message: last, unread_increment: unread, revised }, ...also], created_at: Date.now(), ...fields };
}

function setup(opts: { stored?: ConversationChangeRecord[]; summaries?: Conversation[] } = {}) {
  const calls: string[] = [];
  const applied: ConversationChange[][] = [];
  const revised: ConversationRevision[][] = [];
  const replaced: Conversation[][] = [];
  const deleted: string[][][] = [];
  const inserted: ConversationChangeRecord[] = [];
  const fail = { apply: 0, revise: 0, delete: 0 };
  const inFlight = { now: 0, peak: 0 };
  const step = async <T>(name: keyof typeof fail, list: T[][], items: T[]) => {
    inFlight.peak = Math.max(inFlight.peak, ++inFlight.now);
    await new Promise((r) => setImmediate(r));
    inFlight.now--;
    calls.push(name);
    if (fail[name]-- > 0) throw new Error(`${name} failed`);
    list.push(items.map((i) => structuredClone(i)));
  };
  const summaries = {
    applyBulk: jest.fn((changes: ConversationChange[]) => step('apply', applied, changes)),
    reviseBulk: jest.fn((revisions: ConversationRevision[]) => step('revise', revised, revisions)),
    replaceBulk: jest.fn(async (rows: Conversation[]) => void replaced.push(rows)),
    findOne: jest.fn(async (appId: string, owner: string, peer: string) => opts.summaries?.find((s) => s._id === conversationId(appId, owner, peer)) ?? null),
  };
  const changes = {
    delete: jest.fn(async (records: ChangeKey[]) => step('delete', deleted, [records.map((r) => r._id)]).then(() => undefined)),
    all: jest.fn(async () => opts.stored ?? []),
    insert: jest.fn(async (records: ConversationChangeRecord[]) => {
      inserted.push(...structuredClone(records));
      return [] as ConversationChangeRecord[];
    }),
  };
  const folder = new ConversationFolder(summaries as unknown as ConversationsRepository, changes as unknown as ConversationChangesRepository, new BulkUpdates());
  /** Folds once what has waited the fold interval (ten seconds from now). */
  const foldDue = async () => {
    jest.setSystemTime(Date.now() + 10_000);
    await folder.fold();
  };
  return { folder, foldDue, calls, applied, revised, replaced, inserted, deleted: () => deleted.flat(2), fail, inFlight, summaries, changes };
}

describe('ConversationFolder', () => {
  // Now in 2026: compactions get ObjectIds later than the records made below (65a0… is 2024).
  beforeEach(() => jest.useFakeTimers({ now: Date.parse('2026-12-02T00:00:00Z'), doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('folds a conversation’s records into one change (unread added, newest message and record), then its revisions, then deletes the records', async () => {
    const t = setup();
    const r1 = record('b', 'a', message('01A', 1), 1);
    const r2 = record('b', 'a', message('01C', 3), 2);
    const edit = { peer: 'a', last_message: message('01C', 3, { text: 'edited', edited_at: 9 }), unread_increment: 0, revised: true };
    const r3 = record('b', 'a', message('01B', 2), 1, { also: [edit] });
    t.folder.track([r1, r2]);
    t.folder.track([r3]);
    await t.foldDue();
    expect(t.applied).toEqual([[expect.objectContaining({ owner: 'b', peer: 'a', unreadIncrement: 4, last: expect.objectContaining({ message_id: '01C' }), through: r3._id })]]);
    expect(t.revised).toEqual([[expect.objectContaining({ last: expect.objectContaining({ text: 'edited' }) })]]);
    expect(t.calls).toEqual(['apply', 'revise', 'delete']);
    expect(t.deleted().sort()).toEqual([r1, r2, r3].map((r) => r._id).sort());
    expect(t.folder.unfoldedCount).toBe(0);
  });

  it('compacts an owner’s records into one once there are COMPACT_AT, before they are due: the old ones deleted, the fold going by the compaction', async () => {
    const t = setup();
    // Older changes of a that leave the compaction's newest message and unread count as they are.
    const filler = Array.from({ length: COMPACT_AT - 4 }, (_, i) => record('b', 'a', message(`00${i}`, 0), 0));
    const ofB = [
      ...filler,
      record('b', 'a', message('01A', 1), 1),
      record('b', 'c', message('01B', 2), 1),
      record('b', 'a', message('01C', 3), 1, { also: [{ peer: 'c', last_message: message('01B', 2, { text: 'edited', edited_at: 5 }), unread_increment: 0, revised: true }] }),
      record('b', 'c', message('01D', 4), 0),
    ];
    const ofD = record('d', 'a', message('01E', 5), 1);
    t.folder.track([...ofB, ofD]);
    await t.folder.compact(); // nothing is due yet: compacting does not wait for that
    expect(t.applied).toEqual([]);
    expect(t.inserted).toHaveLength(1);
    const [compaction] = t.inserted;
    const newest = ofB[ofB.length - 1];
    expect(compaction).toMatchObject({ owner: 'b', supersedes: newest._id });
    expect(compaction._id > newest._id).toBe(true);
    expect(compaction.changes).toEqual([
      { peer: 'a', last_message: expect.objectContaining({ message_id: '01C' }), unread_increment: 2, revised: false },
      { peer: 'c', last_message: expect.objectContaining({ message_id: '01D' }), unread_increment: 1, revised: false },
      { peer: 'c', last_message: expect.objectContaining({ text: 'edited' }), unread_increment: 0, revised: true },
    ]);
    expect(t.deleted().sort()).toEqual(ofB.map((r) => r._id).sort());
    await t.foldDue();
    expect(t.applied.flat().map((c) => [c.owner, c.peer, c.unreadIncrement, c.through])).toEqual([
      ['b', 'a', 2, compaction._id],
      ['b', 'c', 1, compaction._id],
      ['d', 'a', 1, ofD._id],
    ]);
    expect(t.deleted()).toEqual(expect.arrayContaining([compaction._id, ofD._id]));
  });

  it('compacts beside a fold round, never an owner the round is writing; rounds take whole owners', async () => {
    const t = setup();
    const ofB = Array.from({ length: COMPACT_AT }, (_, i) => record('b', `p${i}`, message(`01${i}`, i), 1));
    t.folder.track(ofB);
    jest.setSystemTime(Date.now() + 10_000); // b's changes are due
    const ofC = Array.from({ length: COMPACT_AT }, (_, i) => record('c', 'p', message(`02${i}`, i), 1)); // c's are not
    t.folder.track(ofC);
    let release!: () => void;
    const write = t.summaries.applyBulk.getMockImplementation()!;
    t.summaries.applyBulk.mockImplementationOnce(async (changes) => {
      await new Promise<void>((r) => (release = r));
      return write(changes);
    });
    const round = t.folder.fold();
    await new Promise((r) => setImmediate(r));
    t.folder.track(Array.from({ length: COMPACT_AT }, (_, i) => record('b', `p${i}`, message(`03${i}`, 10 + i), 1))); // b's next changes
    await t.folder.compact();
    expect(t.inserted.map((r) => r.owner)).toEqual(['c']); // b is being written
    release();
    await round;
    expect(t.applied.flat().map((c) => c.owner)).toEqual(Array(COMPACT_AT).fill('b'));
  });

  it('after a failed compaction deletes what may have landed before compacting again', async () => {
    const t = setup();
    const ofB = Array.from({ length: COMPACT_AT }, (_, i) => record('b', 'a', message(`01${i}`, i), 1));
    t.folder.track(ofB);
    const insert = t.changes.insert.getMockImplementation()!;
    t.changes.insert.mockImplementationOnce(async (records) => {
      await insert(records);
      throw new Error('insert timed out');
    });
    await expect(t.folder.compact()).rejects.toThrow('insert timed out');
    const [first] = t.inserted;
    expect(t.deleted()).toEqual([]); // the old records stay
    await t.folder.compact();
    const second = t.inserted[1];
    expect(t.deleted()[0]).toBe(first._id);
    expect(t.deleted().slice(1).sort()).toEqual(ofB.map((r) => r._id).sort());
    expect(second.changes).toEqual([expect.objectContaining({ peer: 'a', unread_increment: COMPACT_AT })]);
  });

  it('folds one bulk at a time, in bulks of STATEMENTS_PER_BULK', async () => {
    const t = setup();
    t.folder.track(Array.from({ length: 3 * STATEMENTS_PER_BULK }, (_, i) => record(`u${i}`, 'p', message(`01${i}`, i), 1)));
    await t.foldDue();
    expect(t.applied.map((b) => b.length)).toEqual([STATEMENTS_PER_BULK, STATEMENTS_PER_BULK, STATEMENTS_PER_BULK]);
    expect(t.inFlight.peak).toBe(1);
  });

  it('on stop waits for the round in flight, but no longer than STOP_WAIT_MS', async () => {
    const t = setup();
    let release = () => {};
    t.summaries.applyBulk.mockImplementationOnce(() => new Promise<void>((r) => (release = r)));
    t.folder.track([record('b', 'a', message('01A', 1), 1)]);
    jest.setSystemTime(Date.now() + 10_000);
    const folding = t.folder.fold();
    await new Promise((r) => setImmediate(r));
    let stopped = false;
    const stop = t.folder.onModuleDestroy().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(STOP_WAIT_MS - 1);
    expect(stopped).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await stop;
    expect(stopped).toBe(true);
    release();
    await folding;
  });

  it('on stop returns as soon as the round in flight ends', async () => {
    const t = setup();
    let release = () => {};
    t.summaries.applyBulk.mockImplementationOnce(() => new Promise<void>((r) => (release = r)));
    t.folder.track([record('b', 'a', message('01A', 1), 1)]);
    jest.setSystemTime(Date.now() + 10_000);
    const folding = t.folder.fold();
    await new Promise((r) => setImmediate(r));
    let stopped = false;
    const stop = t.folder.onModuleDestroy().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(100);
    expect(stopped).toBe(false);
    release();
    await folding;
    await stop;
    expect(stopped).toBe(true);
    expect(t.deleted()).toHaveLength(1);
  });

  it('folds ten seconds after records arrive', async () => {
    const t = setup();
    t.folder.track([record('b', 'a', message('01A', 1), 1)]);
    await jest.advanceTimersByTimeAsync(9_999);
    expect(t.summaries.applyBulk).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(t.summaries.applyBulk).toHaveBeenCalledTimes(1);
    await t.folder.onModuleDestroy();
  });

  it('after a failed change keeps it (deleting none of its records) and folds it once with what came since', async () => {
    const t = setup();
    t.fail.apply = 1;
    const first = record('b', 'a', message('01A', 1), 1);
    t.folder.track([first]);
    await expect(t.foldDue()).rejects.toThrow('apply failed');
    expect(t.deleted()).toEqual([]);
    const second = record('b', 'a', message('01B', 2), 1);
    t.folder.track([second]);
    await t.foldDue();
    expect(t.applied).toEqual([[expect.objectContaining({ unreadIncrement: 2, last: expect.objectContaining({ message_id: '01B' }), through: second._id })]]);
    expect(t.deleted().sort()).toEqual([first._id, second._id].sort());
    await t.folder.onModuleDestroy();
  });

  it('deletes a record of several conversations only once all of them are folded', async () => {
    const t = setup();
    const both = record('b', 'a', message('01A', 1), 1, { also: [{ peer: 'c', last_message: message('01B', 2), unread_increment: 1, revised: false }] });
    t.folder.track([both]);
    t.fail.apply = 1; // the bulk with both conversations fails
    await expect(t.foldDue()).rejects.toThrow('apply failed');
    expect(t.deleted()).toEqual([]);
    await t.foldDue();
    expect(t.applied.flat().map((c) => c.peer).sort()).toEqual(['a', 'c']);
    expect(t.deleted()).toEqual([both._id]);
    await t.folder.onModuleDestroy();
  });

  it('keeps a record while one of its conversations waits (its revision failed), though the other is folded', async () => {
    const t = setup();
    const edit = { peer: 'c', last_message: message('01B', 2, { text: 'edited', edited_at: 3 }), unread_increment: 0, revised: true };
    const both = record('b', 'a', message('01A', 1), 1, { also: [edit] });
    t.folder.track([both]);
    t.fail.revise = 1;
    await expect(t.foldDue()).rejects.toThrow('revise failed');
    expect(t.deleted()).toEqual([]);
    await t.foldDue();
    expect(t.applied).toHaveLength(1); // conversation a was folded once
    expect(t.deleted()).toEqual([both._id]);
    await t.folder.onModuleDestroy();
  });

  it('after a failed revision retries the revision only, never the change again', async () => {
    const t = setup();
    t.fail.revise = 1;
    const change = record('b', 'a', message('01A', 1), 1);
    const edit = record('b', 'a', message('01A', 1, { text: 'edited', edited_at: 2 }), 0, { revised: true });
    t.folder.track([change, edit]);
    await expect(t.foldDue()).rejects.toThrow('revise failed');
    await t.foldDue();
    expect(t.applied).toHaveLength(1);
    expect(t.revised).toHaveLength(1);
    expect(t.deleted().sort()).toEqual([change._id, edit._id].sort());
    await t.folder.onModuleDestroy();
  });

  it('after a failed delete deletes those records at the next fold without folding them again', async () => {
    const t = setup();
    t.fail.delete = 1;
    const r = record('b', 'a', message('01A', 1), 1);
    t.folder.track([r]);
    await expect(t.foldDue()).rejects.toThrow('delete failed');
    await t.foldDue();
    expect(t.applied).toHaveLength(1);
    expect(t.deleted()).toEqual([r._id]);
    await t.folder.onModuleDestroy();
  });

  it("folds records an engine left (older than two minutes) over the summary as readers merge them, not this engine's own", async () => {
    const old = Date.now() - 121_000;
    const left = [
      record('b', 'a', message('01B', 2), 1, { _id: nextId(OTHER_ENGINE), created_at: old }),
      record('b', 'a', message('01C', 3), 1, { _id: nextId(OTHER_ENGINE), created_at: old }),
    ];
    const recent = record('c', 'a', message('01D', 4), 1, { _id: nextId(OTHER_ENGINE), created_at: Date.now() - 1_000 });
    const mine = record('d', 'a', message('01E', 5), 1, { created_at: old });
    const stored: Conversation = { _id: conversationId('app', 'b', 'a'), app_id: 'app', owner: 'b', peer: 'a', last_message: message('01A', 1), updated_at: 1, unread_count: 5 };
    const t = setup({ stored: [...left, recent, mine], summaries: [stored] });
    t.folder.track([mine]);
    await t.foldDue();
    expect(t.replaced).toEqual([[expect.objectContaining({ _id: stored._id, unread_count: 7, updated_at: 3, last_message: expect.objectContaining({ message_id: '01C' }) })]]);
    expect(t.applied).toEqual([[expect.objectContaining({ owner: 'd', unreadIncrement: 1 })]]); // its own, folded once, by change
    expect(t.deleted().sort()).toEqual([...left, mine].map((r) => r._id).sort());
    // Swept once a minute: the next fold reads no orphans.
    t.folder.track([record('d', 'a', message('01F', 6), 1)]);
    await t.foldDue();
    expect(t.changes.all).toHaveBeenCalledTimes(1);
  });

  it('folds what an engine left after its compaction: the compaction and later records, deleting the superseded ones unread', async () => {
    const old = Date.now() - 121_000;
    const b1 = record('b', 'a', message('01A', 1), 1, { _id: nextId(OTHER_ENGINE), created_at: old });
    const compaction = record('b', 'a', message('01A', 1), 1, { _id: nextId(OTHER_ENGINE), created_at: old, supersedes: b1._id });
    const b2 = record('b', 'a', message('01B', 2), 1, { _id: nextId(OTHER_ENGINE), created_at: old });
    const t = setup({ stored: [b1, compaction, b2] });
    await t.foldDue();
    expect(t.replaced).toEqual([[expect.objectContaining({ owner: 'b', peer: 'a', unread_count: 2, last_message: expect.objectContaining({ message_id: '01B' }) })]]);
    expect(t.deleted().sort()).toEqual([b1, compaction, b2].map((r) => r._id).sort());
  });
});
