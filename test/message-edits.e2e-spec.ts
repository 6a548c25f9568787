import { MqttClient } from 'mqtt';
import { ChatClient, connect, MessageDeletedNotice, MessageEditedNotice, MessageUpdateError } from '@app/client';
import { ErrorCode, GroupState, RejectionCode } from '@app/protocol';
import { AdminApi, adminApi, registeredUser, TestUser } from './support/admin-api';
import { collectInbox, deadLetters, Inbox, InboxMessage, layout, mqttConnect, userToken } from './support/broker';
import { closeTestDb, eventually, testDb } from './support/database';
import { EngineProcess, startEngine } from './support/engine';
import { nextEvent } from './support/next-event';
import { servers } from './support/test-env';

/** Short windows, so that the tests can pass them. */
const EDIT_WINDOW_S = 3;
const DELETE_WINDOW_S = 6;

const clients: MqttClient[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends a message and waits for the sender's copy; returns the engine's message id. */
async function send(from: TestUser, to: string, text: string, extra: Record<string, unknown> = {}): Promise<string> {
  const client_message_id = `c-${Math.random().toString(36).slice(2)}`;
  await from.client.publishAsync(layout.outgoing(from.id, to), JSON.stringify({ text, client_message_id, ...extra }), { qos: 1 });
  const [copy] = await from.inbox.waitFor(1, (m) => m.topic === layout.clientAdded(from.id, to) && m.payload.client_message_id === client_message_id);
  return copy.payload.message_id as string;
}

let seq = 0;
/** Publishes an update as `from` on its own topic for (peer, messageId) and waits for the answer to it (by command_id). */
async function update(from: TestUser, peer: string, messageId: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const command_id = `u-${++seq}`;
  await from.client.publishAsync(layout.messageUpdate(from.id, peer, messageId), JSON.stringify({ ...body, command_id }), { qos: 1 });
  const [answer] = await from.inbox.waitFor(1, (m) => m.topic === layout.messageResult(from.id, peer, messageId) && m.payload.command_id === command_id);
  return answer.payload;
}

const edited = (inbox: Inbox, owner: string, peer: string, id: string, n = 1) => inbox.waitFor(n, (m) => m.topic === layout.messageUpdated(owner, peer, id));
const deletedNotice = (inbox: Inbox, owner: string, peer: string, id: string, n = 1) => inbox.waitFor(n, (m) => m.topic === layout.messageDeleted(owner, peer, id));
const about = (id: string) => (m: InboxMessage) => m.topic.includes(`/messages/${id}/client`);

async function stored(id: string) {
  return (await testDb()).collection('messages').findOne({ _id: id as never });
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync()));
  await closeTestDb();
});

describe('edit and delete', () => {
  let engine: EngineProcess;
  let api: AdminApi;

  beforeAll(async () => {
    engine = await startEngine('message-edits', { MESSAGE_EDIT_WINDOW_SECONDS: String(EDIT_WINDOW_S), MESSAGE_DELETE_WINDOW_SECONDS: String(DELETE_WINDOW_S) });
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    await engine?.stop();
  });

  const summary = async (owner: string, peer: string) => {
    const res = await api.get(`users/${owner}/conversations`);
    return (res.body.items as Array<{ peer: string; last_message: Record<string, unknown> }>).find((c) => c.peer === peer)?.last_message;
  };
  const historyItem = async (a: string, b: string, id: string) => {
    const res = await api.get(`users/${a}/conversations/${b}/messages`);
    return (res.body.items as Array<Record<string, unknown>>).find((m) => m.message_id === id);
  };

  it('a sender edits, then deletes, a direct message: the peer and their other device told, storage, history and both summaries follow', async () => {
    const [alice, bob] = await Promise.all(['ea', 'eb'].map((n) => registeredUser(api, n, clients)));
    const tablet = await mqttConnect(alice.id);
    clients.push(tablet);
    const tabletInbox = await collectInbox(tablet, alice.id);
    const id = await send(alice, bob.id, 'helo', { attributes: { mood: 'typo' }, metadata: { secret: 'keep me out' } });

    const result = await update(alice, bob.id, id, { text: 'hello' });
    expect(result).toMatchObject({ ok: true, message_id: id, edited_at: expect.any(Number) });
    const [toBob] = await edited(bob.inbox, bob.id, alice.id, id);
    expect(toBob.payload).toEqual({ message_id: id, sender: alice.id, recipient: bob.id, text: 'hello', edited_at: result.edited_at, timestamp: expect.any(Number) });
    await edited(tabletInbox, alice.id, bob.id, id);
    expect(await stored(id)).toMatchObject({ _id: id, text: 'hello', edited_at: result.edited_at });
    expect(await historyItem(bob.id, alice.id, id)).toMatchObject({ text: 'hello', edited_at: result.edited_at });
    for (const [owner, peer] of [[alice.id, bob.id], [bob.id, alice.id]]) {
      await eventually(async () => (await summary(owner, peer))?.text === 'hello', 10_000, `${owner}'s summary edited`);
    }

    const removed = await update(alice, bob.id, id, { deleted: true });
    expect(removed).toMatchObject({ ok: true, message_id: id, deleted_at: expect.any(Number) });
    const [deletedToBob] = await deletedNotice(bob.inbox, bob.id, alice.id, id);
    expect(deletedToBob.payload).toEqual({ message_id: id, sender: alice.id, recipient: bob.id, deleted_at: removed.deleted_at, timestamp: expect.any(Number) });
    await deletedNotice(tabletInbox, alice.id, bob.id, id);
    // The content is gone from the database, not hidden: read the collection directly.
    const doc = await stored(id);
    expect(doc).toMatchObject({ _id: id, sender: alice.id, recipient: bob.id, text: '', deleted_at: removed.deleted_at });
    expect(doc).not.toHaveProperty('attributes');
    expect(doc).not.toHaveProperty('metadata');
    expect(JSON.stringify(doc)).not.toMatch(/hello|helo|keep me out|typo/);
    const item = await historyItem(alice.id, bob.id, id);
    expect(item).toMatchObject({ message_id: id, text: '', deleted_at: removed.deleted_at });
    expect(item).not.toHaveProperty('attributes');
    for (const [owner, peer] of [[alice.id, bob.id], [bob.id, alice.id]]) {
      const last = await eventually(async () => {
        const s = await summary(owner, peer);
        return s?.deleted_at ? s : null;
      }, 10_000, `${owner}'s summary deleted`);
      expect(last).toMatchObject({ message_id: id, text: '', deleted_at: removed.deleted_at });
    }

    // A second delete is answered as the first; an edit of a deleted message finds none.
    expect(await update(alice, bob.id, id, { deleted: true })).toMatchObject({ ok: true, deleted_at: removed.deleted_at });
    expect(await update(alice, bob.id, id, { text: 'back?' })).toMatchObject({ ok: false, code: ErrorCode.MESSAGE_NOT_FOUND });
    expect((await stored(id))?.text).toBe('');
  });

  it('refuses someone else\'s message, an unknown id and another conversation\'s message, changing nothing', async () => {
    const [alice, bob, carol] = await Promise.all(['ra', 'rb', 'rc'].map((n) => registeredUser(api, n, clients)));
    const id = await send(alice, bob.id, 'mine');
    const toCarol = await send(alice, carol.id, 'for carol');

    expect(await update(bob, alice.id, id, { text: 'yours now' })).toMatchObject({ ok: false, message_id: id, code: ErrorCode.NOT_THE_SENDER });
    expect(await update(bob, alice.id, id, { deleted: true })).toMatchObject({ ok: false, code: ErrorCode.NOT_THE_SENDER });
    expect(await update(alice, bob.id, '01JZZZZZZZZZZZZZZZZZZZZZZZ', { deleted: true })).toMatchObject({ ok: false, code: ErrorCode.MESSAGE_NOT_FOUND });
    // Alice's own message, but named in her conversation with bob; and carol naming it in hers with alice is not the sender.
    expect(await update(alice, bob.id, toCarol, { text: 'moved' })).toMatchObject({ ok: false, code: ErrorCode.MESSAGE_NOT_FOUND });
    expect(await update(bob, carol.id, toCarol, { deleted: true })).toMatchObject({ ok: false, code: ErrorCode.MESSAGE_NOT_FOUND });
    expect(await update(carol, alice.id, toCarol, { deleted: true })).toMatchObject({ ok: false, code: ErrorCode.NOT_THE_SENDER });

    expect(await stored(id)).toMatchObject({ text: 'mine' });
    expect(await stored(toCarol)).toMatchObject({ text: 'for carol' });
    expect(await stored(id)).not.toHaveProperty('edited_at');
    expect(bob.inbox.messages.filter(about(id))).toEqual([]);
    expect(carol.inbox.messages.filter(about(toCarol))).toEqual([]);
  });

  it('edits only within the edit window and deletes only within the delete window, counted from the message\'s time', async () => {
    const [alice, bob] = await Promise.all(['wa', 'wb'].map((n) => registeredUser(api, n, clients)));
    const early = await send(alice, bob.id, 'early');
    await sleep(EDIT_WINDOW_S * 1000 + 300);
    expect(await update(alice, bob.id, early, { text: 'too late' })).toMatchObject({ ok: false, code: ErrorCode.EDIT_WINDOW_PASSED });
    expect(await stored(early)).toMatchObject({ text: 'early' });
    const fresh = await send(alice, bob.id, 'fresh');
    expect(await update(alice, bob.id, fresh, { text: 'fresh!' })).toMatchObject({ ok: true });
    await sleep((DELETE_WINDOW_S - EDIT_WINDOW_S) * 1000);
    expect(await update(alice, bob.id, early, { deleted: true })).toMatchObject({ ok: false, code: ErrorCode.EDIT_WINDOW_PASSED });
    expect(await update(alice, bob.id, fresh, { deleted: true })).toMatchObject({ ok: true });
    expect(await stored(early)).toMatchObject({ text: 'early' });
    expect(await stored(fresh)).toMatchObject({ text: '' });
  });

  it('in a group: a member edits their message and every member is told; a non-member, another member and a removed member are refused', async () => {
    const [owner, member, other, outsider] = await Promise.all(['go', 'gm', 'gx', 'gout'].map((n) => registeredUser(api, n, clients)));
    const created = await api.post('groups', { name: 'Edits', owner: owner.id, members: [member.id, other.id] });
    expect(created.status).toBe(201);
    const groupId = (created.body as GroupState).group_id;
    const id = await send(member, groupId, 'team, helo');

    const result = await update(member, groupId, id, { text: 'team, hello' });
    expect(result).toMatchObject({ ok: true, edited_at: expect.any(Number) });
    for (const u of [owner, member, other]) {
      const [notice] = await edited(u.inbox, u.id, groupId, id);
      expect(notice.payload).toMatchObject({ message_id: id, sender: member.id, recipient: groupId, text: 'team, hello' });
    }
    expect(outsider.inbox.messages.filter(about(id))).toEqual([]);
    await eventually(async () => (await summary(other.id, groupId))?.text === 'team, hello', 10_000, 'group summary edited');

    expect(await update(outsider, groupId, id, { deleted: true })).toMatchObject({ ok: false, code: RejectionCode.NOT_A_MEMBER });
    expect(await update(other, groupId, id, { deleted: true })).toMatchObject({ ok: false, code: ErrorCode.NOT_THE_SENDER });
    // The group's own system message ("created") is no one's to change.
    const system = (await api.get(`groups/${groupId}/messages`)).body.items.find((m: { type: string }) => m.type === 'system');
    expect(await update(owner, groupId, system.message_id, { deleted: true })).toMatchObject({ ok: false, code: ErrorCode.NOT_THE_SENDER });
    expect(await update(member, 'group-nosuchgroup', id, { deleted: true })).toMatchObject({ ok: false, code: RejectionCode.GROUP_NOT_FOUND });

    expect((await api.delete(`groups/${groupId}/members/${member.id}`)).status).toBe(200);
    expect(await update(member, groupId, id, { deleted: true })).toMatchObject({ ok: false, code: RejectionCode.NOT_A_MEMBER });
    expect(await stored(id)).toMatchObject({ text: 'team, hello' });
  });

  it('admins delete any message (no window, any sender): everyone told, the content gone; 404 for none, 400 for a bad id', async () => {
    const [alice, bob] = await Promise.all(['aa', 'ab'].map((n) => registeredUser(api, n, clients)));
    const id = await send(bob, alice.id, 'something rude', { attributes: { x: 1 } });
    const res = await api.delete(`messages/${id}`);
    expect(res.status).toBe(204);
    await deletedNotice(alice.inbox, alice.id, bob.id, id);
    await deletedNotice(bob.inbox, bob.id, alice.id, id);
    const doc = await stored(id);
    expect(doc).toMatchObject({ text: '', deleted_at: expect.any(Number) });
    expect(doc).not.toHaveProperty('attributes');
    await eventually(async () => (await summary(alice.id, bob.id))?.deleted_at !== undefined, 10_000, 'summary deleted');
    expect((await api.delete(`messages/${id}`)).status).toBe(204);
    expect(await api.delete('messages/01JZZZZZZZZZZZZZZZZZZZZZZZ')).toMatchObject({ status: 404, body: { code: ErrorCode.MESSAGE_NOT_FOUND } });
    expect(await api.delete('messages/not-an-id')).toMatchObject({ status: 400, body: { code: ErrorCode.VALIDATION_FAILED } });
    expect((await adminApi(engine.url, null).delete(`messages/${id}`)).status).toBe(401);
  });

  it('through the SDK: editMessage and deleteMessage resolve with the result, the peer gets the events, a refusal is a MessageUpdateError', async () => {
    const [alice, bob] = await Promise.all(['sa', 'sb'].map((n) => registeredUser(api, n, clients)));
    const sdk: ChatClient[] = await Promise.all([alice.id, bob.id].map((id) => connect({ url: servers.mqttUrl, userId: id, token: userToken(id) })));
    const [aliceSdk, bobSdk] = sdk;
    try {
      const id = await aliceSdk.send(bob.id, 'via sdk');
      const editedEvent = nextEvent<MessageEditedNotice>((l) => bobSdk.on('messageEdited', l), (n) => n.message_id === id);
      expect(await aliceSdk.editMessage(bob.id, id, 'via the sdk')).toMatchObject({ ok: true, message_id: id, edited_at: expect.any(Number) });
      expect(await editedEvent).toMatchObject({ sender: alice.id, recipient: bob.id, text: 'via the sdk' });
      const refused = await bobSdk.deleteMessage(alice.id, id).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(MessageUpdateError);
      expect(refused).toMatchObject({ code: ErrorCode.NOT_THE_SENDER, local: false, messageId: id });
      const deletedEvent = nextEvent<MessageDeletedNotice>((l) => bobSdk.on('messageDeleted', l), (n) => n.message_id === id);
      expect(await aliceSdk.deleteMessage(bob.id, id)).toMatchObject({ ok: true, deleted_at: expect.any(Number) });
      expect(await deletedEvent).toMatchObject({ sender: alice.id, deleted_at: expect.any(Number) });
    } finally {
      await Promise.all(sdk.map((c) => c.close()));
    }
  });

  it('answers malformed and odd updates with a clear refusal, dead-letters unreadable ones, and keeps working', async () => {
    const [alice, bob] = await Promise.all(['ma', 'mb'].map((n) => registeredUser(api, n, clients)));
    const id = await send(alice, bob.id, 'intact');
    const topic = layout.messageUpdate(alice.id, bob.id, id);
    const results = () => alice.inbox.messages.filter((m) => m.topic === layout.messageResult(alice.id, bob.id, id));
    const bodies = [
      '{"text": "unterminated", "command_id": "bad-json"',
      '[1, 2]',
      JSON.stringify({ deleted: false, command_id: 'not-true' }),
      JSON.stringify({ deleted: true, text: 'both', command_id: 'both' }),
      JSON.stringify({ text: 42, command_id: 'number' }),
      JSON.stringify({ text: '', command_id: 'empty' }),
      JSON.stringify({ text: 'a\u0000b', command_id: 'nul' }),
      // Over MAX_PAYLOAD_BYTES (65,536) and under the broker's max_message_size, which would close the connection.
      JSON.stringify({ text: 'x'.repeat(65_600), command_id: 'huge' }),
    ];
    for (const body of bodies) await alice.client.publishAsync(topic, body, { qos: 1 });
    await alice.inbox.waitFor(bodies.length, (m) => m.topic === layout.messageResult(alice.id, bob.id, id));
    // An update that is not JSON has no command_id the engine could read: answered without one.
    const answered = results().map((r) => `${String(r.payload.command_id ?? 'none')}: ${String(r.payload.code)}`);
    expect(answered.sort()).toEqual(
      [
        `none: ${RejectionCode.INVALID_PAYLOAD}`,
        `none: ${RejectionCode.INVALID_PAYLOAD}`,
        `not-true: ${ErrorCode.VALIDATION_FAILED}`,
        `both: ${ErrorCode.VALIDATION_FAILED}`,
        `number: ${ErrorCode.VALIDATION_FAILED}`,
        `empty: ${ErrorCode.VALIDATION_FAILED}`,
        `nul: ${ErrorCode.VALIDATION_FAILED}`,
        `huge: ${RejectionCode.PAYLOAD_TOO_LARGE}`,
      ].sort(),
    );
    const routingKey = topic.replace(/\//g, '.');
    expect((await deadLetters((k) => k === routingKey, 3)).length).toBe(3);

    // Odd keys are dropped, not stored; a topic naming no message id is dead-lettered unanswered.
    expect(await update(alice, bob.id, id, { text: 'still here', $set: { sender: bob.id }, 'a.b': 1 })).toMatchObject({ ok: true });
    const doc = await stored(id);
    expect(doc).toMatchObject({ text: 'still here', sender: alice.id });
    expect(Object.keys(doc!)).not.toEqual(expect.arrayContaining(['$set', 'a.b', 'a']));
    const badTopic = `${layout.prefix}/${alice.id}/${bob.id}/messages/not-a-message-id/update`;
    await alice.client.publishAsync(badTopic, JSON.stringify({ deleted: true }), { qos: 1 });
    expect(await deadLetters((k) => k === badTopic.replace(/\//g, '.'), 1)).toHaveLength(1);
    expect(await update(alice, bob.id, id, { deleted: true })).toMatchObject({ ok: true });
    expect(bob.inbox.messages.filter(about(id)).map((m) => m.topic.split('/').pop())).toEqual(['clientupdated', 'clientdeleted']);
  });
});
