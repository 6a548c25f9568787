import { Model } from 'mongoose';
import { Conversation, conversationId } from './conversation.schema';
import { ConversationsRepository } from './conversations.repository';

const APP = 'app';

function summary(owner: string, peer: string, updatedAt: number): Conversation {
  const last = { message_id: `m${updatedAt}`, sender: peer, type: 'text', text: 't', timestamp: updatedAt };
  return { _id: conversationId(APP, owner, peer), app_id: APP, owner, peer, last_message: last, updated_at: updatedAt, unread_count: 0 } as Conversation;
}

/** A model that answers only lookups by `_id` (and counts them); any other query fails the test. */
function setup(rows: Conversation[]) {
  const byId = new Map(rows.map((r) => [r._id, r]));
  const findById = jest.fn((id: string) => ({ lean: () => ({ exec: async () => byId.get(id) ?? null }) }));
  const find = jest.fn(() => {
    throw new Error('a page of given summaries must not query by anything but _id');
  });
  const repository = new ConversationsRepository({ findById, find } as unknown as Model<Conversation>);
  return { repository, findById };
}

describe('ConversationsRepository.page of given summaries (groups, archived ones)', () => {
  const groups = ['g1', 'g2', 'g3', 'g4'];
  // g2 and g3 at the same time: ordered by _id, descending, as the owner's page is.
  const rows = [summary('g1', 'g1', 10), summary('g2', 'g2', 30), summary('g3', 'g3', 30), summary('g4', 'g4', 20)];

  it('reads each by _id and orders them most recent first, ties by _id', async () => {
    const { repository, findById } = setup(rows);
    const page = await repository.page({ appId: APP, owner: 'me', groups: [...groups, 'gone'], limit: 10 });
    expect(page.map((c) => c.peer)).toEqual(['g3', 'g2', 'g4', 'g1']);
    expect(findById.mock.calls.map(([id]) => id).sort()).toEqual([...groups, 'gone'].map((g) => conversationId(APP, g, g)).sort());
  });

  it('pages on from a cursor: older ones, or as old with a smaller _id', async () => {
    const { repository } = setup(rows);
    const first = await repository.page({ appId: APP, owner: 'me', groups, limit: 1 });
    expect(first.map((c) => c.peer)).toEqual(['g3']);
    const rest = await repository.page({ appId: APP, owner: 'me', groups, limit: 2, cursor: { updatedAt: first[0].updated_at, id: first[0]._id } });
    expect(rest.map((c) => c.peer)).toEqual(['g2', 'g4']);
  });

  it('takes given _ids as they are (archived conversations)', async () => {
    const direct = [summary('me', 'u1', 5), summary('me', 'u2', 7)];
    const { repository } = setup(direct);
    const page = await repository.page({ appId: APP, owner: 'me', ids: direct.map((c) => c._id), limit: 5 });
    expect(page.map((c) => c.peer)).toEqual(['u2', 'u1']);
  });
});
