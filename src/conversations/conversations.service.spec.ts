import { AppConfig } from '../config';
import { MessagesRepository } from '../messages/messages.repository';
import { Conversation, conversationId } from './conversation.schema';
import { ConversationArchivesRepository } from './conversation-archives.repository';
import { ConversationPageQuery, ConversationsRepository } from './conversations.repository';
import { ConversationChangeEntry } from './conversation-change.schema';
import { ConversationChangesRepository } from './conversation-changes.repository';
import { ConversationSummaries } from './conversation-summaries';
import { ConversationsService } from './conversations.service';
import { ReadStateRepository } from '../receipts/read-state.repository';
import { GroupMemberships } from './group-memberships';

const APP = 'app';
const GROUP = 'group-team';

function summary(owner: string, peer: string, updatedAt: number): Conversation {
  const last = { message_id: `m${updatedAt}`, sender: peer, type: 'text', text: 't', timestamp: updatedAt };
  return { _id: conversationId(APP, owner, peer), app_id: APP, owner, peer, last_message: last, updated_at: updatedAt, unread_count: 0 };
}

/** The stored summaries' page and lookups over an array, as the database answers them, and change records not folded in. */
function fakeSummaries(rows: Conversation[], changes: ConversationChangeEntry[] = []) {
  const reads: Array<ConversationPageQuery | string> = [];
  const page = async (q: ConversationPageQuery) => {
    reads.push(q);
    return rows
      .filter((c) => c.app_id === q.appId && c.owner === q.owner)
      .filter((c) => !q.cursor || c.updated_at < q.cursor.updatedAt || (c.updated_at === q.cursor.updatedAt && c._id < q.cursor.id))
      .sort((a, b) => b.updated_at - a.updated_at || (a._id < b._id ? 1 : -1))
      .slice(0, q.limit);
  };
  const findOne = async (appId: string, owner: string, peer: string) => {
    reads.push(conversationId(appId, owner, peer));
    return rows.find((c) => c._id === conversationId(appId, owner, peer)) ?? null;
  };
  const changesRepository = {
    ofOwner: async (appId: string, owner: string) => changes.filter((c) => c.app_id === appId && c.owner === owner),
    ofConversation: async (appId: string, owner: string, peer: string) => changes.filter((c) => c.app_id === appId && c.owner === owner && c.peer === peer),
  };
  const summaries = new ConversationSummaries({ page, findOne } as unknown as ConversationsRepository, changesRepository as unknown as ConversationChangesRepository);
  return { summaries, reads };
}

function setup(rows: Conversation[], marks: Record<string, number>, groups: string[] = [], changes: ConversationChangeEntry[] = []) {
  const { summaries: repository, reads } = fakeSummaries(rows, changes);
  const archives = { of: async () => new Map(Object.entries(marks)) } as unknown as ConversationArchivesRepository;
  const messages = { countInConversation: async () => 0 } as unknown as MessagesRepository;
  const memberships = new GroupMemberships();
  memberships.provide({ of: async () => groups.map((groupId) => ({ groupId, joinedAt: 0, createdAt: 0 })), isMember: async () => true });
  const config = { appId: APP, groups: { historyForNewMembers: 'since_join' } } as unknown as AppConfig;
  const readStates = { of: async () => new Map() } as unknown as ReadStateRepository;
  return { service: new ConversationsService(repository, archives, messages, memberships, readStates, config), reads };
}

/** Every page of a list, following next_cursor. */
async function allPages(service: ConversationsService, limit: number, archived?: boolean) {
  const pages: Array<Array<{ peer: string; archived: boolean }>> = [];
  let cursor: string | undefined;
  do {
    const page = await service.list('me', limit, cursor, archived);
    pages.push(page.items.map(({ peer, archived: a }) => ({ peer, archived: a })));
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return pages;
}

describe('ConversationsService.list and archived conversations', () => {
  // Ten direct conversations, u1 the oldest (t=1) to u10 the newest (t=10), and a group at t=5.5.
  const rows = [...Array.from({ length: 10 }, (_, i) => summary('me', `u${i + 1}`, i + 1)), summary(GROUP, GROUP, 5.5)];

  it('leaves archived ones out by default and lists only them with archived=true; each item says which', async () => {
    const { service } = setup(rows, { u9: 100, u3: 100, [GROUP]: 100 }, [GROUP]);
    const shown = await service.list('me', 50);
    expect(shown.items.map((c) => c.peer)).toEqual(['u10', 'u8', 'u7', 'u6', 'u5', 'u4', 'u2', 'u1']);
    expect(shown.items.every((c) => c.archived === false)).toBe(true);
    const archived = await service.list('me', 50, undefined, true);
    expect(archived.items.map((c) => [c.peer, c.archived])).toEqual([
      ['u9', true],
      [GROUP, true],
      ['u3', true],
    ]);
  });

  it('a message newer than the mark brings the conversation back (no write)', async () => {
    const { service } = setup(rows, { u9: 8.5, u2: 2.5, u4: 4, [GROUP]: 5 }, [GROUP]);
    // u9's last message (t=9) and the group's (5.5) came after their archives; u2's (t=2) before; a mark at the very time of u4's last message does not archive it (the service never makes one).
    expect((await service.list('me', 50)).items.map((c) => c.peer)).toEqual(['u10', 'u9', 'u8', 'u7', 'u6', GROUP, 'u5', 'u4', 'u3', 'u1']);
    expect((await service.list('me', 50, undefined, true)).items.map((c) => c.peer)).toEqual(['u2']);
  });

  it('pages through a filtered list with full pages, whatever runs of archived rows lie between them', async () => {
    // Archived: u10, u9, u8 (first rows), u5, u4 (a run in the middle) and u1 (the last row).
    const { service } = setup(rows, { u10: 100, u9: 100, u8: 100, u5: 100, u4: 100, u1: 100 });
    const pages = await allPages(service, 2);
    expect(pages.map((p) => p.map((c) => c.peer))).toEqual([['u7', 'u6'], ['u3', 'u2']]);
    const archived = await allPages(service, 2, true);
    expect(archived.map((p) => p.map((c) => c.peer))).toEqual([['u10', 'u9'], ['u8', 'u5'], ['u4', 'u1']]);
  });

  it('pages the same with more marks than the slack covers in one read', async () => {
    const many = Array.from({ length: 30 }, (_, i) => summary('me', `v${String(i).padStart(2, '0')}`, i + 1));
    const marks = Object.fromEntries(many.filter((_, i) => i % 3 !== 0).map((c) => [c.peer, 100]));
    const { service } = setup(many, marks);
    const pages = await allPages(service, 4);
    expect(pages.flat().map((c) => c.peer)).toEqual(many.filter((_, i) => i % 3 === 0).reverse().map((c) => c.peer));
    expect(pages.slice(0, -1).every((p) => p.length === 4)).toBe(true);
  });

  it('reads nothing for archived=true when the user has no marks, and leaves out the groups they left', async () => {
    const empty = setup(rows, {});
    expect(await empty.service.list('me', 10, undefined, true)).toEqual({ items: [], next_cursor: null });
    expect(empty.reads).toEqual([]);
    const left = setup(rows, { [GROUP]: 100 }, []);
    expect((await left.service.list('me', 10, undefined, true)).items).toEqual([]);
  });

  it('lists a message as soon as its change record is inserted: merged over the summary, moved to its place, unread added', async () => {
    const change = (peer: string, t: number, unread: number): ConversationChangeEntry => ({
      record: `65a0000000000000000000${String(t).padStart(2, '0')}`,
      app_id: APP,
      owner: 'me',
      peer,
      last_message: { message_id: `n${t}`, sender: peer, type: 'text', text: 'new', timestamp: t },
      unread_increment: unread,
      revised: false,
    });
    // Message ids order as stored ones do ('n…' after 'm…'). u1 (the oldest) has two new messages; u11 is a conversation no summary holds yet; u3's change is the sender's side.
    const { service } = setup(rows, { u9: 100 }, [], [change('u1', 20, 1), change('u1', 21, 1), change('u11', 15, 1), change('u3', 12, 0)]);
    const first = await service.list('me', 3);
    expect(first.items.map((c) => [c.peer, c.unread_count, c.last_message.message_id])).toEqual([
      ['u1', 2, 'n21'],
      ['u11', 1, 'n15'],
      ['u3', 0, 'n12'],
    ]);
    const pages = await allPages(service, 3);
    expect(pages.flat().map((c) => c.peer)).toEqual(['u1', 'u11', 'u3', 'u10', 'u8', 'u7', 'u6', 'u5', 'u4', 'u2']);
  });
});
