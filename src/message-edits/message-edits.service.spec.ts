import { Logger } from '@nestjs/common';
import { ErrorCode, newMessageId, TopicLayout } from '@app/protocol';
import { PublishRequest } from '@app/amqp-transport';
import { AppConfig, validateEnv } from '../config';
import { ConversationWriter } from '../conversations/conversation-writer';
import { GroupsRepository } from '../groups/groups.repository';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { MessageRecord } from '../messages/message.record';
import { MessageChange, MessagesRepository } from '../messages/messages.repository';
import { applyChange } from './message-edit.rules';
import { MessageEditNotices } from './message-edit-notices';
import { MessageEditsService } from './message-edits.service';

const layout = new TopicLayout('apps/tilechat/users');
const config = new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32), APP_ID: 'app' }));

function record(fields: Partial<MessageRecord> = {}): MessageRecord {
  const timestamp = Date.now() - 1000;
  return { _id: newMessageId(timestamp), app_id: 'app', pair: 'alice|bob', sender: 'alice', recipient: 'bob', type: 'text', text: 'hi', dedupe_key: 'k', timestamp, ...fields };
}

/** A message store that changes a message only at the revision named, like the repository. */
function setup(stored: MessageRecord | null, group?: { created_at: number; members: string[] }) {
  let current = stored;
  const published: PublishRequest[] = [];
  const messages = {
    findById: jest.fn(async () => current && { ...current }),
    change: jest.fn(async (_app: string, _id: string, revision: number | undefined, change: MessageChange) => {
      if (!current || current.revision !== revision) return false;
      current = applyChange(current, change);
      return true;
    }),
  };
  const groups = {
    find: jest.fn(async () => group ? { version: 1, state: { group_id: 'group-1', created_at: group.created_at, members: group.members.map((user_id) => ({ user_id, role: 'member', joined_at: 0 })) } } : null),
  };
  const delivery = {
    body: (p: object) => Buffer.from(JSON.stringify(p)),
    requestTo: (topic: string, body: Buffer) => ({ routingKey: topic, body }) as unknown as PublishRequest,
    publishAll: jest.fn(async (requests: PublishRequest[]) => void published.push(...requests)),
  };
  const conversations = { reviseMessage: jest.fn() };
  const service = new MessageEditsService(
    config,
    messages as unknown as MessagesRepository,
    groups as unknown as GroupsRepository,
    new MessageEditNotices(layout, delivery as unknown as DeliveryPublisher),
    conversations as unknown as ConversationWriter,
  );
  const topics = () => published.map((r) => r.routingKey);
  const bodies = () => published.map((r) => JSON.parse(r.body.toString()) as Record<string, unknown>);
  return { service, messages, conversations, topics, bodies, stored: () => current, move: (m: MessageRecord) => (current = m) };
}

describe('MessageEditsService', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('edits a direct message: stored, both parties told on their own inbox shape, both summaries revised', async () => {
    const m = record();
    const t = setup(m);
    const changed = await t.service.update(m._id, { text: 'hi!' }, { kind: 'user', userId: 'alice', peer: 'bob' });
    expect(changed.edited_at).toEqual(expect.any(Number));
    expect(t.stored()).toMatchObject({ text: 'hi!', revision: 1 });
    expect(t.topics()).toEqual([layout.messageUpdated('alice', 'bob', m._id), layout.messageUpdated('bob', 'alice', m._id)]);
    expect(t.bodies()[0]).toMatchObject({ message_id: m._id, sender: 'alice', recipient: 'bob', text: 'hi!', edited_at: changed.edited_at });
    expect(t.conversations.reviseMessage.mock.calls.map((c) => [c[1], c[2], c[3].text])).toEqual([
      ['alice', 'bob', 'hi!'],
      ['bob', 'alice', 'hi!'],
    ]);
  });

  it('deletes a group message: the content gone, every current member told, the group summary revised', async () => {
    const m = record({ pair: 'group-1', recipient: 'group-1', channel_type: 'group' });
    const t = setup(m, { created_at: m.timestamp - 10, members: ['alice', 'bob', 'carol'] });
    await t.service.update(m._id, { deleted: true }, { kind: 'user', userId: 'alice', peer: 'group-1' });
    expect(t.stored()).toMatchObject({ text: '', deleted_at: expect.any(Number) });
    expect(t.topics()).toEqual(['alice', 'bob', 'carol'].map((u) => layout.messageDeleted(u, 'group-1', m._id)));
    expect(t.bodies()[0]).not.toHaveProperty('text');
    expect(t.conversations.reviseMessage).toHaveBeenCalledWith('app', 'group-1', 'group-1', expect.objectContaining({ text: '', deleted_at: expect.any(Number) }));
  });

  it('refuses a user outside the group (NOT_A_MEMBER) and a group that is gone (GROUP_NOT_FOUND), reading no message', async () => {
    const m = record({ pair: 'group-1', recipient: 'group-1', channel_type: 'group' });
    const outside = setup(m, { created_at: 0, members: ['bob'] });
    await expect(outside.service.update(m._id, { deleted: true }, { kind: 'user', userId: 'alice', peer: 'group-1' })).rejects.toMatchObject({ code: ErrorCode.NOT_A_MEMBER });
    const gone = setup(m);
    await expect(gone.service.update(m._id, { deleted: true }, { kind: 'user', userId: 'alice', peer: 'group-1' })).rejects.toMatchObject({ code: ErrorCode.GROUP_NOT_FOUND });
    expect(outside.messages.findById).not.toHaveBeenCalled();
  });

  it('decides again when another instance changed the message first', async () => {
    const m = record();
    const t = setup(m);
    // The first read sees the message unchanged; another instance deletes it before this change is stored.
    t.messages.findById.mockImplementationOnce(async () => {
      const seen = { ...m };
      t.move(applyChange(m, { kind: 'delete', at: Date.now() }));
      return seen;
    });
    await expect(t.service.update(m._id, { text: 'too late' }, { kind: 'user', userId: 'alice', peer: 'bob' })).rejects.toMatchObject({ code: ErrorCode.MESSAGE_NOT_FOUND });
    expect(t.messages.change).toHaveBeenCalledTimes(1);
    expect(t.stored()).toMatchObject({ text: '' });
  });

  it('runs one message\'s updates one after the other: the second sees the first', async () => {
    const m = record();
    const t = setup(m);
    const asAlice = { kind: 'user' as const, userId: 'alice', peer: 'bob' };
    const [first, second] = await Promise.allSettled([t.service.update(m._id, { text: 'one' }, asAlice), t.service.update(m._id, { deleted: true }, asAlice)]);
    expect(first.status).toBe('fulfilled');
    expect(second.status).toBe('fulfilled');
    expect(t.stored()).toMatchObject({ text: '', revision: 2 });
  });

  it('answers a repeated delete as the first and tells everyone again, storing nothing', async () => {
    const m = applyChange(record(), { kind: 'delete', at: 123 });
    const t = setup(m);
    expect(await t.service.update(m._id, { deleted: true }, { kind: 'admin' })).toMatchObject({ deleted_at: 123 });
    expect(t.messages.change).not.toHaveBeenCalled();
    expect(t.topics()).toHaveLength(2);
  });

  it('lets an admin delete an old message of anyone, and tells nobody of a message whose group is gone', async () => {
    const old = record({ timestamp: 1, _id: newMessageId(1), pair: 'group-1', recipient: 'group-1', channel_type: 'group' });
    const t = setup(old);
    await t.service.update(old._id, { deleted: true }, { kind: 'admin' });
    expect(t.stored()).toMatchObject({ deleted_at: expect.any(Number) });
    expect(t.topics()).toEqual([]);
    await expect(setup(null).service.update(old._id, { deleted: true }, { kind: 'admin' })).rejects.toMatchObject({ code: ErrorCode.MESSAGE_NOT_FOUND });
  });
});
