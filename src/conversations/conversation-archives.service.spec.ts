import { Logger } from '@nestjs/common';
import { ErrorCode, TopicLayout } from '@app/protocol';
import { DomainError } from '../common/errors';
import { AppConfig } from '../config';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { ConversationArchivesRepository } from './conversation-archives.repository';
import { ConversationArchivesService } from './conversation-archives.service';
import { ConversationSummaries } from './conversation-summaries';
import { GroupMemberships } from './group-memberships';

const GROUP = 'group-team';

function setup(summaries: Record<string, number>, members: Record<string, string[]> = {}) {
  const marks = new Map<string, number>();
  const archives = {
    set: jest.fn(async (_app: string, owner: string, peer: string, at: number) => void marks.set(`${owner}:${peer}`, at)),
    delete: jest.fn(async (_app: string, owner: string, peer: string) => void marks.delete(`${owner}:${peer}`)),
  };
  const conversations = {
    findOne: jest.fn(async (_app: string, owner: string, peer: string) => {
      const at = summaries[`${owner}:${peer}`];
      return at === undefined ? null : { updated_at: at };
    }),
  };
  const memberships = new GroupMemberships();
  memberships.provide({ of: async () => [], isMember: async (user, group) => members[group]?.includes(user) ?? false });
  const published: Array<{ topic: string; notice: unknown }> = [];
  const delivery = { publishTo: jest.fn(async (topic: string, notice: unknown) => void published.push({ topic, notice })) };
  const service = new ConversationArchivesService(
    archives as unknown as ConversationArchivesRepository,
    conversations as unknown as ConversationSummaries,
    memberships,
    delivery as unknown as DeliveryPublisher,
    new TopicLayout('p'),
    { appId: 'app' } as AppConfig,
  );
  return { service, marks, archives, published };
}

describe('ConversationArchivesService', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it("marks a direct conversation later than its last message and tells all the owner's devices", async () => {
    const t = setup({ 'me:bob': 1000 });
    const notice = await t.service.archive('me', 'bob');
    expect(notice).toEqual({ peer: 'bob', archived: true, timestamp: expect.any(Number) });
    expect(t.marks.get('me:bob')).toBeGreaterThan(1000);
    expect(t.published).toEqual([{ topic: 'p/me/conversations/bob/clientupdated', notice }]);
  });

  it('marks later than a last message from the future (another clock) too', async () => {
    const future = Date.now() + 60_000;
    const t = setup({ 'me:bob': future });
    await t.service.archive('me', 'bob');
    expect(t.marks.get('me:bob')).toBe(future + 1);
  });

  it('archives twice and unarchives twice without complaint: each sets the whole state', async () => {
    const t = setup({ 'me:bob': 1 });
    await t.service.archive('me', 'bob');
    await t.service.archive('me', 'bob');
    expect(t.marks.has('me:bob')).toBe(true);
    await t.service.unarchive('me', 'bob');
    await t.service.unarchive('me', 'bob');
    expect(t.marks.has('me:bob')).toBe(false);
    expect(t.published.map((p) => (p.notice as { archived: boolean }).archived)).toEqual([true, true, false, false]);
  });

  it("archives a group's conversation for a member, by the group's one summary (or none yet)", async () => {
    const t = setup({ [`${GROUP}:${GROUP}`]: 5000 }, { [GROUP]: ['me'], 'group-quiet': ['me'] });
    await t.service.archive('me', GROUP);
    expect(t.marks.get(`me:${GROUP}`)).toBeGreaterThan(5000);
    await t.service.archive('me', 'group-quiet');
    expect(t.marks.has('me:group-quiet')).toBe(true);
  });

  it('refuses a conversation that is not the owner\'s with MESSAGE_NOT_FOUND, writing and telling nothing', async () => {
    const t = setup({ 'bob:carol': 1, [`${GROUP}:${GROUP}`]: 1 }, { [GROUP]: ['bob'] });
    for (const [owner, peer] of [
      ['me', 'carol'], // no message between them
      ['me', 'bob'],
      ['me', GROUP], // not a member
      ['me', 'group-nosuch'],
    ]) {
      await expect(t.service.archive(owner, peer)).rejects.toEqual(expect.objectContaining({ code: ErrorCode.MESSAGE_NOT_FOUND }));
      await expect(t.service.unarchive(owner, peer)).rejects.toBeInstanceOf(DomainError);
    }
    expect(t.archives.set).not.toHaveBeenCalled();
    expect(t.archives.delete).not.toHaveBeenCalled();
    expect(t.published).toEqual([]);
  });
});
