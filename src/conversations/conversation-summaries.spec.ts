import { ConversationChangeEntry, liveRecords } from './conversation-change.schema';
import { ConversationChangesRepository } from './conversation-changes.repository';
import { ConversationSummaries, isFoldedIn, mergeChanges } from './conversation-summaries';
import { Conversation, conversationId, LastMessage } from './conversation.schema';
import { ConversationsRepository } from './conversations.repository';

const APP = 'app';
/** Two engines' record ids (ObjectId hex: seconds, process, counter). */
const ENGINE_A = '0000000001';
const ENGINE_B = '0000000002';
const recordId = (engine: string, n: number) => `65a00000${engine}${n.toString(16).padStart(6, '0')}`;

const message = (id: string, ts: number, more: Partial<LastMessage> = {}): LastMessage => ({ message_id: id, sender: 'peer', type: 'text', text: id, timestamp: ts, ...more });

function summary(owner: string, peer: string, updatedAt: number, more: Partial<Conversation> = {}): Conversation {
  return { _id: conversationId(APP, owner, peer), app_id: APP, owner, peer, last_message: message(`m${updatedAt}`, updatedAt), updated_at: updatedAt, unread_count: 0, ...more };
}

/** A conversation's change, as it came in the record `id`. */
function record(id: string, last: LastMessage, unread: number, revised = false, owner = 'me', peer = 'peer'): ConversationChangeEntry {
  return { record: id, app_id: APP, owner, peer, last_message: last, unread_increment: unread, revised };
}

describe('liveRecords', () => {
  it("drops the records a compaction of the same engine superseded, never another engine's", () => {
    const [a1, a2, a3, b1] = [recordId(ENGINE_A, 1), recordId(ENGINE_A, 2), recordId(ENGINE_A, 4), recordId(ENGINE_B, 1)];
    const compaction = { _id: recordId(ENGINE_A, 3), supersedes: a2 };
    const live = liveRecords([{ _id: a1 }, { _id: a2 }, compaction, { _id: a3 }, { _id: b1 }]);
    expect(live.map((r) => r._id)).toEqual([compaction._id, a3, b1]);
  });
});

describe('mergeChanges', () => {
  it('takes the newest message by id and adds the unread increments, in any order', () => {
    const base = summary('me', 'peer', 5, { unread_count: 2 });
    const records = [record(recordId(ENGINE_A, 2), message('m7', 7), 1), record(recordId(ENGINE_A, 1), message('m6', 6), 1)];
    for (const order of [records, [...records].reverse()]) {
      expect(mergeChanges(base, order)).toMatchObject({ unread_count: 4, updated_at: 7, last_message: { message_id: 'm7' } });
    }
    expect(base.unread_count).toBe(2); // the stored summary is left as it was
  });

  it('keeps a newer stored message over an older change (an engine that stopped left it)', () => {
    const merged = mergeChanges(summary('me', 'peer', 9), [record(recordId(ENGINE_B, 1), message('m3', 3), 1)]);
    expect(merged).toMatchObject({ updated_at: 9, last_message: { message_id: 'm9' }, unread_count: 1 });
  });

  it('makes a summary from changes alone, and none from a revision alone', () => {
    expect(mergeChanges(null, [record(recordId(ENGINE_A, 1), message('m1', 1), 1)])).toMatchObject({ _id: conversationId(APP, 'me', 'peer'), unread_count: 1, updated_at: 1 });
    expect(mergeChanges(null, [record(recordId(ENGINE_A, 1), message('m1', 1, { text: 'x', edited_at: 2 }), 0, true)])).toBeNull();
  });

  it("skips the records its engine folded in (up to folded_through), never another engine's", () => {
    const base = summary('me', 'peer', 5, { unread_count: 2, folded_through: recordId(ENGINE_A, 2) });
    const records = [
      record(recordId(ENGINE_A, 1), message('m4', 4), 1), // folded, waiting to be deleted
      record(recordId(ENGINE_A, 2), message('m5', 5), 1), // folded
      record(recordId(ENGINE_A, 3), message('m6', 6), 1),
      record(recordId(ENGINE_B, 1), message('m3', 3), 1), // an engine that stopped: lower counter, not folded
    ];
    expect(mergeChanges(base, records)).toMatchObject({ unread_count: 4, last_message: { message_id: 'm6' } });
    expect(isFoldedIn(recordId(ENGINE_B, 1), recordId(ENGINE_A, 2))).toBe(false);
    expect(isFoldedIn(recordId(ENGINE_A, 2), recordId(ENGINE_A, 2))).toBe(true);
  });

  it('applies the latest revision of the last message only (a deletion over an edit), whatever the order', () => {
    const base = summary('me', 'peer', 5);
    const edit = record(recordId(ENGINE_A, 1), message('m5', 5, { text: 'edited', edited_at: 8 }), 0, true);
    const deletion = record(recordId(ENGINE_A, 2), message('m5', 5, { text: '', deleted_at: 7 }), 0, true);
    const older = record(recordId(ENGINE_A, 3), message('m2', 2, { text: 'old edit', edited_at: 9 }), 0, true);
    for (const order of [[edit, deletion, older], [older, deletion, edit]]) {
      expect(mergeChanges(base, order)?.last_message).toMatchObject({ message_id: 'm5', text: '', deleted_at: 7 });
    }
    const later = record(recordId(ENGINE_A, 4), message('m6', 6), 0);
    expect(mergeChanges(base, [edit, later])?.last_message).toMatchObject({ message_id: 'm6', text: 'm6' });
  });
});

/** Stored summaries answering lookups by `_id` (and the owner's page), and change records. */
function setup(rows: Conversation[], changes: ConversationChangeEntry[] = []) {
  const byId = new Map(rows.map((r) => [r._id, r]));
  const findOne = jest.fn(async (appId: string, owner: string, peer: string) => byId.get(conversationId(appId, owner, peer)) ?? null);
  const page = jest.fn(async () => {
    throw new Error('a page of given summaries must not query the owner page');
  });
  const changesRepository = {
    ofConversation: jest.fn(async (_app: string, owner: string, peer: string) => changes.filter((c) => c.owner === owner && c.peer === peer)),
  };
  const summaries = new ConversationSummaries({ findOne, page } as unknown as ConversationsRepository, changesRepository as unknown as ConversationChangesRepository);
  return { summaries, findOne };
}

describe('ConversationSummaries.pageOf (groups, archived ones)', () => {
  const groups = ['g1', 'g2', 'g3', 'g4'].map((g) => ({ owner: g, peer: g }));
  // g2 and g3 at the same time: ordered by _id, descending, as the owner's page is.
  const rows = [summary('g1', 'g1', 10), summary('g2', 'g2', 30), summary('g3', 'g3', 30), summary('g4', 'g4', 20)];

  it('reads each by _id and orders them most recent first, ties by _id', async () => {
    const { summaries, findOne } = setup(rows);
    const page = await summaries.pageOf(APP, [...groups, { owner: 'gone', peer: 'gone' }], 10);
    expect(page.map((c) => c.peer)).toEqual(['g3', 'g2', 'g4', 'g1']);
    expect(findOne).toHaveBeenCalledTimes(5);
  });

  it('pages on from a cursor: older ones, or as old with a smaller _id', async () => {
    const { summaries } = setup(rows);
    const first = await summaries.pageOf(APP, groups, 1);
    expect(first.map((c) => c.peer)).toEqual(['g3']);
    const rest = await summaries.pageOf(APP, groups, 2, { updatedAt: first[0].updated_at, id: first[0]._id });
    expect(rest.map((c) => c.peer)).toEqual(['g2', 'g4']);
  });

  it('merges each one’s changes: a group with a new message moves up', async () => {
    const { summaries } = setup(rows, [record(recordId(ENGINE_A, 1), message('m40', 40), 1, false, 'g1', 'g1')]);
    const page = await summaries.pageOf(APP, groups, 2);
    expect(page.map((c) => [c.peer, c.unread_count])).toEqual([
      ['g1', 1],
      ['g3', 0],
    ]);
  });
});

describe('ConversationSummaries.page (an owner’s list)', () => {
  /** Ten stored conversations of `me`, t=1..10, and a page query that answers as the database does. */
  const rows = Array.from({ length: 10 }, (_, i) => summary('me', `u${i + 1}`, i + 1));
  function owner(changes: ConversationChangeEntry[]) {
    const page = jest.fn(async (q: { limit: number; cursor?: { updatedAt: number; id: string } }) =>
      rows
        .filter((c) => !q.cursor || c.updated_at < q.cursor.updatedAt || (c.updated_at === q.cursor.updatedAt && c._id < q.cursor.id))
        .sort((a, b) => b.updated_at - a.updated_at)
        .slice(0, q.limit),
    );
    const findOne = jest.fn(async (_app: string, o: string, peer: string) => rows.find((r) => r.owner === o && r.peer === peer) ?? null);
    const changesRepository = { ofOwner: jest.fn(async () => changes) };
    return { summaries: new ConversationSummaries({ page, findOne } as unknown as ConversationsRepository, changesRepository as unknown as ConversationChangesRepository), page };
  }

  it('with more changed conversations than the page holds, reads the page again with room for all of them', async () => {
    // The five oldest conversations changed (newest first: u1 at 25 ... u5 at 21); a page of 2 reads 4 rows first.
    const changes = [1, 2, 3, 4, 5].map((n) => record(recordId(ENGINE_A, n), message(`n${26 - n}`, 26 - n), 1, false, 'me', `u${n}`));
    const { summaries, page } = owner(changes);
    const first = await summaries.page(APP, 'me', 2);
    expect(first.map((c) => c.peer)).toEqual(['u1', 'u2']);
    expect(page.mock.calls.map(([q]) => q.limit)).toEqual([4, 7]);
    const next = await summaries.page(APP, 'me', 4, { updatedAt: first[1].updated_at, id: first[1]._id });
    expect(next.map((c) => c.peer)).toEqual(['u3', 'u4', 'u5', 'u10']);
  });

  it('reads the page once when nothing changed', async () => {
    const { summaries, page } = owner([]);
    expect((await summaries.page(APP, 'me', 3)).map((c) => c.peer)).toEqual(['u10', 'u9', 'u8']);
    expect(page).toHaveBeenCalledTimes(1);
  });
});
