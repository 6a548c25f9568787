// Archiving a conversation against the real broker, engine and database (docs/receipts.md#archive):
// it leaves the list, `archived=true` lists it, the user's other devices are told, a new message
// (either way, and in a group) brings it back, and bad commands are refused without harm.
import { MqttClient } from 'mqtt';
import { ChatClient, connect, ConversationNotice, ErrorCode, RejectionCode } from '@app/client';
import { AdminApi, adminApi, registeredUser, TestUser } from './support/admin-api';
import { collectInbox, deadLetters, Inbox, layout, mqttConnect, userToken } from './support/broker';
import { closeTestDb, eventually, testDerivedDb } from './support/database';
import { EngineProcess, startEngine } from './support/engine';
import { nextEvent } from './support/next-event';
import { servers } from './support/test-env';

type Received = { topic: string; payload: Record<string, any> };
type Listed = { peer: string; archived: boolean; last_message: { text: string } };

const clients: MqttClient[] = [];
const sdkClients: ChatClient[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync()));
  await Promise.all(sdkClients.map((c) => c.close()));
  await closeTestDb();
});

describe('archive', () => {
  let engine: EngineProcess;
  let api: AdminApi;

  const send = (from: TestUser, to: string, text: string) =>
    from.client.publishAsync(layout.outgoing(from.id, to), JSON.stringify({ text, client_message_id: text }), { qos: 1 });
  const command = (from: TestUser, action: 'archive' | 'unarchive', peer: string, body: string | Buffer = '') =>
    from.client.publishAsync(action === 'archive' ? layout.archive(from.id, peer) : layout.unarchive(from.id, peer), body, { qos: 1 });
  const noticesOf = (owner: string, peer: string) => (m: Received) => m.topic === layout.conversationUpdated(owner, peer);
  const resultsOf = (owner: string, peer: string) => (m: Received) => m.topic === layout.conversationResult(owner, peer);

  /** The user's list (all pages), or only the archived ones. */
  async function list(user: string, archived?: boolean, limit = 50): Promise<Listed[]> {
    const items: Listed[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ limit: String(limit), ...(archived !== undefined && { archived: String(archived) }), ...(cursor && { cursor }) });
      const res = await api.get(`users/${user}/conversations?${query}`);
      expect(res.status).toBe(200);
      items.push(...(res.body.items as Listed[]));
      cursor = res.body.next_cursor as string | null;
    } while (cursor);
    return items;
  }
  const peers = async (user: string, archived?: boolean) => (await list(user, archived)).map((c) => c.peer);
  /** Waits until the summary of the conversation holds `text` as its last message (summaries are written behind). */
  const summaryHas = (user: string, peer: string, text: string, archived?: boolean) =>
    eventually(async () => (await list(user, archived)).find((c) => c.peer === peer && c.last_message.text === text), 10_000, `${user}'s summary with ${peer}: "${text}"`);

  /** A user with two devices (the second collects its own inbox). */
  async function twoDevices(name: string): Promise<TestUser & { other: { client: MqttClient; inbox: Inbox } }> {
    const user = await registeredUser(api, name, clients);
    const client = await mqttConnect(user.id, { clientId: `${user.id}~tablet` });
    clients.push(client);
    return { ...user, other: { client, inbox: await collectInbox(client, user.id) } };
  }

  beforeAll(async () => {
    engine = await startEngine('archive', { RATE_LIMIT_PER_SECOND: '5', RATE_LIMIT_BURST: '30' });
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    await engine?.stop();
  });

  it('leaves the list, archived=true lists it, the other device is told, and a new message either way brings it back', async () => {
    const a = await twoDevices('arch-a');
    const b = await registeredUser(api, 'arch-b', clients);
    const c = await registeredUser(api, 'arch-c', clients);
    await send(a, b.id, 'hello b');
    await send(c, a.id, 'hello a');
    await summaryHas(a.id, b.id, 'hello b');
    await summaryHas(a.id, c.id, 'hello a');

    await command(a, 'archive', b.id);
    const [told] = await a.other.inbox.waitFor(1, noticesOf(a.id, b.id));
    expect(told.payload).toEqual({ peer: b.id, archived: true, timestamp: expect.any(Number) });
    await a.inbox.waitFor(1, noticesOf(a.id, b.id)); // the device that asked too
    expect(await peers(a.id)).toEqual([c.id]);
    expect(await list(a.id, true)).toEqual([expect.objectContaining({ peer: b.id, archived: true })]);
    expect((await list(a.id, false)).map((x) => [x.peer, x.archived])).toEqual([[c.id, false]]);
    // Only for a: b's list is b's own.
    expect(await peers(b.id)).toEqual([a.id]);

    // Received: b writes, and the conversation is back (no notice: the message is the sign).
    await send(b, a.id, 'back from b');
    await summaryHas(a.id, b.id, 'back from b', false);
    expect(await peers(a.id, true)).toEqual([]);

    // Sent: archived again, then a writes.
    await command(a, 'archive', b.id);
    await a.other.inbox.waitFor(2, noticesOf(a.id, b.id));
    expect(await peers(a.id, true)).toEqual([b.id]);
    await send(a, b.id, 'back from a');
    await summaryHas(a.id, b.id, 'back from a', false);
    expect(await peers(a.id, true)).toEqual([]);
    expect(a.inbox.messages.filter(resultsOf(a.id, b.id))).toEqual([]);
  });

  it('unarchives, and two archives (or unarchives) in a row are harmless: one mark, the same list', async () => {
    const a = await twoDevices('arch-d');
    const b = await registeredUser(api, 'arch-e', clients);
    await send(a, b.id, 'hi');
    await summaryHas(a.id, b.id, 'hi');

    await command(a, 'archive', b.id, '{}');
    await command(a, 'archive', b.id, '{"command_id":"ignored","odd":{"key":[1]}}');
    const told = await a.other.inbox.waitFor(2, noticesOf(a.id, b.id));
    expect(told.map((m) => m.payload.archived)).toEqual([true, true]);
    const marks = (await testDerivedDb()).collection('conversation_archives');
    expect(await marks.countDocuments({ owner: a.id })).toBe(1);
    expect(await peers(a.id)).toEqual([]);
    expect(await peers(a.id, true)).toEqual([b.id]);

    await command(a, 'unarchive', b.id);
    await command(a, 'unarchive', b.id);
    const after = await a.other.inbox.waitFor(4, noticesOf(a.id, b.id));
    expect(after.slice(2).map((m) => m.payload.archived)).toEqual([false, false]);
    expect(await marks.countDocuments({ owner: a.id })).toBe(0);
    expect(await list(a.id)).toEqual([expect.objectContaining({ peer: b.id, archived: false })]);
    expect(await peers(a.id, true)).toEqual([]);
  });

  it('takes many archives of one conversation at once (a first archive racing itself): all applied, one mark', async () => {
    const a = await registeredUser(api, 'arch-race', clients);
    const b = await registeredUser(api, 'arch-race-b', clients);
    await send(a, b.id, 'hi');
    await summaryHas(a.id, b.id, 'hi');
    await Promise.all(Array.from({ length: 12 }, () => command(a, 'archive', b.id)));
    const told = await a.inbox.waitFor(12, noticesOf(a.id, b.id));
    expect(told.every((m) => m.payload.archived === true)).toBe(true);
    expect(a.inbox.messages.filter(resultsOf(a.id, b.id))).toEqual([]);
    expect(await (await testDerivedDb()).collection('conversation_archives').countDocuments({ owner: a.id })).toBe(1);
    expect(await peers(a.id, true)).toEqual([b.id]);
  });

  it("archives a group's conversation for one member only, and a member's message brings it back", async () => {
    const a = await twoDevices('arch-ga');
    const b = await registeredUser(api, 'arch-gb', clients);
    const created = await api.post('groups', { name: 'Archive team', owner: b.id, members: [a.id] });
    expect(created.status).toBe(201);
    const groupId = created.body.group_id as string;
    await send(b, groupId, 'team news');
    await summaryHas(a.id, groupId, 'team news');

    await command(a, 'archive', groupId);
    await a.other.inbox.waitFor(1, noticesOf(a.id, groupId));
    expect(await peers(a.id)).not.toContain(groupId);
    expect(await peers(a.id, true)).toEqual([groupId]);
    expect(await peers(b.id)).toContain(groupId);

    await send(b, groupId, 'more news');
    await summaryHas(a.id, groupId, 'more news', false);
    expect(await peers(a.id, true)).toEqual([]);
  });

  it('refuses a conversation that does not exist with MESSAGE_NOT_FOUND, and stores nothing', async () => {
    const a = await registeredUser(api, 'arch-h', clients);
    const stranger = await registeredUser(api, 'arch-i', clients);
    const b = await registeredUser(api, 'arch-j', clients);
    const group = await api.post('groups', { name: 'Not mine', owner: b.id });
    const groupId = group.body.group_id as string;
    await command(a, 'archive', stranger.id);
    await command(a, 'unarchive', stranger.id);
    await command(a, 'archive', groupId);
    await command(a, 'archive', 'group-nosuchgroup');
    // Two engine consumers may answer two commands in either order: matched by action.
    const answers = await a.inbox.waitFor(2, resultsOf(a.id, stranger.id));
    const byAction = (action: string) => answers.find((m) => m.payload.action === action)?.payload;
    expect(byAction('archive')).toEqual({ action: 'archive', ok: false, code: ErrorCode.MESSAGE_NOT_FOUND, reason: expect.any(String), timestamp: expect.any(Number) });
    expect(byAction('unarchive')).toMatchObject({ action: 'unarchive', ok: false, code: ErrorCode.MESSAGE_NOT_FOUND });
    const [notMember] = await a.inbox.waitFor(1, resultsOf(a.id, groupId));
    expect(notMember.payload).toMatchObject({ action: 'archive', code: ErrorCode.MESSAGE_NOT_FOUND });
    await a.inbox.waitFor(1, resultsOf(a.id, 'group-nosuchgroup'));
    expect(a.inbox.messages.filter((m) => m.topic.endsWith('/clientupdated'))).toEqual([]);
    expect(await (await testDerivedDb()).collection('conversation_archives').countDocuments({ owner: a.id })).toBe(0);
  });

  it('refuses malformed bodies with a clear code, dead-letters them, and keeps serving', async () => {
    const a = await registeredUser(api, 'arch-k', clients);
    const b = await registeredUser(api, 'arch-l', clients);
    await send(a, b.id, 'hi');
    await summaryHas(a.id, b.id, 'hi');
    await command(a, 'archive', b.id, 'not json');
    await command(a, 'archive', b.id, '[1,2]');
    await command(a, 'unarchive', b.id, Buffer.from([0xff, 0xfe, 0x00]));
    await command(a, 'archive', b.id, JSON.stringify({ pad: 'x'.repeat(5000) }));
    const results = await a.inbox.waitFor(4, resultsOf(a.id, b.id));
    // Commands are handled concurrently: their answers may come in any order.
    expect(results.map((m) => `${m.payload.action} ${m.payload.code}`).sort()).toEqual([
      `archive ${RejectionCode.INVALID_PAYLOAD}`,
      `archive ${RejectionCode.INVALID_PAYLOAD}`,
      `archive ${RejectionCode.PAYLOAD_TOO_LARGE}`,
      `unarchive ${RejectionCode.INVALID_PAYLOAD}`,
    ]);
    const letters = await deadLetters((key) => key.includes(`.${a.id}.conversations.${b.id}.`), 4);
    expect(letters.map((d) => d.headers['x-reject-code']).sort()).toEqual(['INVALID_PAYLOAD', 'INVALID_PAYLOAD', 'INVALID_PAYLOAD', 'PAYLOAD_TOO_LARGE']);
    expect(await peers(a.id)).toEqual([b.id]); // nothing changed

    // Topics whose peer is no user or group id: refused on the invalid-peer result topic, and dead-lettered.
    for (const peer of ['presence', 'x'.repeat(65), 'group-']) await command(a, 'archive', peer);
    const invalid = await a.inbox.waitFor(3, resultsOf(a.id, '_invalid'));
    expect(invalid.map((m) => m.payload.code)).toEqual([RejectionCode.INVALID_TOPIC, RejectionCode.INVALID_TOPIC, RejectionCode.INVALID_TOPIC]);
    await deadLetters((key) => key.includes(`.${a.id}.conversations.`) && !key.includes(`.${b.id}.`), 3);
    await command(a, 'archive', b.id);
    await a.inbox.waitFor(1, noticesOf(a.id, b.id));
    expect(await peers(a.id, true)).toEqual([b.id]);
  });

  it("refuses a user's commands over their rate with RATE_LIMITED", async () => {
    const a = await registeredUser(api, 'arch-m', clients);
    const b = await registeredUser(api, 'arch-n', clients);
    await send(a, b.id, 'hi');
    await summaryHas(a.id, b.id, 'hi');
    await Promise.all(Array.from({ length: 60 }, () => command(a, 'archive', b.id)));
    const limited = await a.inbox.waitFor(1, (m) => resultsOf(a.id, b.id)(m) && m.payload.code === RejectionCode.RATE_LIMITED);
    expect(limited[0].payload).toMatchObject({ action: 'archive', ok: false });
    await a.inbox.waitFor(1, noticesOf(a.id, b.id)); // those within the rate were applied
  });

  describe('admin API', () => {
    it('archives and unarchives with 204, tells the devices, and refuses bad ids and unknown conversations', async () => {
      const a = await registeredUser(api, 'arch-o', clients);
      const b = await registeredUser(api, 'arch-p', clients);
      await send(b, a.id, 'hi');
      await summaryHas(a.id, b.id, 'hi');

      expect((await api.put(`users/${a.id}/conversations/${b.id}/archive`)).status).toBe(204);
      const [told] = await a.inbox.waitFor(1, noticesOf(a.id, b.id));
      expect(told.payload).toMatchObject({ peer: b.id, archived: true });
      expect(await peers(a.id, true)).toEqual([b.id]);
      expect((await api.put(`users/${a.id}/conversations/${b.id}/archive`)).status).toBe(204);
      expect((await api.delete(`users/${a.id}/conversations/${b.id}/archive`)).status).toBe(204);
      await a.inbox.waitFor(3, noticesOf(a.id, b.id));
      expect(await peers(a.id)).toEqual([b.id]);

      const unknown = await api.put(`users/${a.id}/conversations/nobody-here/archive`);
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ code: ErrorCode.MESSAGE_NOT_FOUND });
      expect((await api.delete(`users/nobody-here/conversations/${b.id}/archive`)).status).toBe(404);
      for (const [path, status] of [
        [`users/${a.id}/conversations/bad.peer/archive`, 400],
        [`users/${a.id}/conversations/presence/archive`, 400],
        [`users/${a.id}/conversations/${'x'.repeat(65)}/archive`, 400],
        [`users/group-x/conversations/${b.id}/archive`, 400],
      ] as const) {
        const res = await api.put(path);
        expect({ path, status: res.status, code: res.body?.code }).toEqual({ path, status, code: ErrorCode.VALIDATION_FAILED });
      }
      for (const query of ['archived=yes', 'archived=1', 'archived=', 'archived=true&archived=false']) {
        const res = await api.get(`users/${a.id}/conversations?${query}`);
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
      }
    });

    it('pages a filtered list with full pages and no repeats', async () => {
      const a = await registeredUser(api, 'arch-q', clients);
      const others = await Promise.all(Array.from({ length: 7 }, (_, i) => registeredUser(api, `arch-q${i}`, clients)));
      for (const o of others) await send(o, a.id, `from ${o.id}`);
      await eventually(async () => (await list(a.id)).length === 7, 10_000, 'seven conversations');
      const archived = [others[6], others[5], others[3], others[0]].map((o) => o.id); // the newest two, one inside, the oldest
      for (const peer of archived) expect((await api.put(`users/${a.id}/conversations/${peer}/archive`)).status).toBe(204);

      const pagesOf = async (archivedOnly: boolean) => {
        const pages: string[][] = [];
        let cursor: string | null = null;
        do {
          const query = new URLSearchParams({ limit: '2', archived: String(archivedOnly), ...(cursor && { cursor }) });
          const res = await api.get(`users/${a.id}/conversations?${query}`);
          pages.push((res.body.items as Listed[]).map((c) => c.peer));
          cursor = res.body.next_cursor as string | null;
        } while (cursor);
        return pages;
      };
      const shown = await pagesOf(false);
      expect(shown.flat()).toEqual([others[4], others[2], others[1]].map((o) => o.id));
      expect(shown[0]).toHaveLength(2);
      const hidden = await pagesOf(true);
      expect(hidden.flat()).toEqual(archived);
      expect(hidden.slice(0, -1).every((p) => p.length === 2)).toBe(true);
    });
  });

  describe('client SDK', () => {
    const connectAs = async (userId: string, device: string) => {
      const client = await connect({ url: servers.mqttUrl, userId, token: userToken(userId), clientId: `${userId}~${device}` });
      sdkClients.push(client);
      return client;
    };

    it("archive() and unarchive() resolve with the notice, the user's other device gets conversationUpdated, a refusal rejects", async () => {
      const a = await registeredUser(api, 'arch-s', clients);
      const b = await registeredUser(api, 'arch-t', clients);
      await send(b, a.id, 'hi');
      await summaryHas(a.id, b.id, 'hi');
      const phone = await connectAs(a.id, 'phone');
      const laptop = await connectAs(a.id, 'laptop');

      const seen = nextEvent<ConversationNotice>((l) => laptop.on('conversationUpdated', l), (n) => n.peer === b.id && n.archived);
      await expect(phone.archive(b.id)).resolves.toEqual({ peer: b.id, archived: true, timestamp: expect.any(Number) });
      await expect(seen).resolves.toMatchObject({ peer: b.id, archived: true });
      expect(await peers(a.id, true)).toEqual([b.id]);
      await expect(laptop.unarchive(b.id)).resolves.toMatchObject({ archived: false });
      expect(await peers(a.id, true)).toEqual([]);

      await expect(phone.archive('nobody-here')).rejects.toMatchObject({ name: 'ConversationCommandError', code: ErrorCode.MESSAGE_NOT_FOUND, action: 'archive', local: false });
      expect(phone.pendingCommands).toBe(0);
    });
  });
});
