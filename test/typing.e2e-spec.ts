import { MqttClient } from 'mqtt';
import { ChatClient, connect } from '@app/client';
import { RejectionCode, TypingNotice } from '@app/protocol';
import { AdminApi, adminApi, registeredUser, TestUser } from './support/admin-api';
import { deadLetters, InboxMessage, layout, userToken } from './support/broker';
import { closeTestDb, testDb, testDerivedDb } from './support/database';
import { EngineProcess, startEngine } from './support/engine';
import { sleep } from './support/presence';
import { servers } from './support/test-env';

const clients: MqttClient[] = [];

const type = (from: TestUser, peer: string, body: object | string | Buffer = { state: 'typing' }) =>
  from.client.publishAsync(layout.typing(from.id, peer), Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body), { qos: 1 });
/** The typing notices a user got in their conversation with `peer` (a user or a group). */
const typingIn = (peer: string) => (m: InboxMessage) => layout.parse(m.topic)?.kind === 'typing-updated' && layout.parse(m.topic)?.peer === peer;
const anyTyping = (m: InboxMessage) => layout.parse(m.topic)?.kind === 'typing-updated';
const settle = () => sleep(1500);

/**
 * Every document count of the engine's two databases, by collection; but the conversation summaries
 * and their change records, whose counts move while the folder works behind (docs/architecture.md):
 * those are checked through what users read.
 */
async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const db of [await testDb(), await testDerivedDb()]) {
    for (const { name } of await db.listCollections().toArray()) {
      if (name !== 'conversations' && name !== 'conversation_changes') out[`${db.databaseName}.${name}`] = await db.collection(name).countDocuments();
    }
  }
  return out;
}

/** engine_typing_total by outcome, from the engine's /metrics. */
async function typingMetrics(engine: EngineProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${engine.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const [, outcome, value] of text.matchAll(/^engine_typing_total\{outcome="(\w+)"\} (\d+)/gm)) out[outcome] = Number(value);
  return out;
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync()));
  await closeTestDb();
});

describe('typing indicators', () => {
  let engine: EngineProcess;
  let api: AdminApi;
  const users = (...names: string[]) => Promise.all(names.map((n) => registeredUser(api, n, clients)));

  beforeAll(async () => {
    engine = await startEngine('typing', { REQUIRE_REGISTERED_RECIPIENTS: 'true', TYPING_MAX_GROUP_MEMBERS: '4' });
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    await engine?.stop();
  });

  it('relays a direct indicator to the peer, naming the typist, at QoS 0 - and nothing to the typist', async () => {
    const [a, b] = await users('ta', 'tb');
    const before = Date.now();
    await type(a, b.id, { state: 'typing' });
    const [got] = await b.inbox.waitFor(1, anyTyping);
    expect(got.topic).toBe(layout.typingUpdated(b.id, a.id));
    expect(got.qos).toBe(0);
    const notice = got.payload as unknown as TypingNotice;
    expect(notice).toEqual({ user: a.id, state: 'typing', timestamp: expect.any(Number) });
    expect(notice.timestamp).toBeGreaterThanOrEqual(before - 5);

    await sleep(600); // under the rate
    await type(a, b.id, { state: 'paused' });
    await b.inbox.waitFor(1, (m) => anyTyping(m) && m.payload.state === 'paused');
    await settle();
    expect(a.inbox.messages.filter(anyTyping)).toEqual([]);
    expect(b.inbox.messages.filter(anyTyping).map((m) => m.payload.state)).toEqual(['typing', 'paused']);
  });

  it('relays in a group to every other member, on the group\'s topic; not to a non-member\'s group, an unknown group, or a group over the cap', async () => {
    const [a, b, c, outsider, d, e] = await users('tga', 'tgb', 'tgc', 'tgout', 'tgd', 'tge');
    const group = (await api.post('groups', { name: 'Typists', owner: a.id, members: [b.id, c.id] })).body.group_id as string;
    await type(a, group, { state: 'typing' });
    for (const u of [b, c]) {
      const [got] = await u.inbox.waitFor(1, anyTyping);
      expect(got.topic).toBe(layout.typingUpdated(u.id, group));
      expect(got.payload).toEqual({ user: a.id, state: 'typing', timestamp: expect.any(Number) });
    }

    await type(outsider, group);
    await type(a, 'group-nosuchgroup');
    // A bigger group (5 > TYPING_MAX_GROUP_MEMBERS 4): typing is not relayed there at all.
    const big = (await api.post('groups', { name: 'Crowd', owner: d.id, members: [a.id, b.id, c.id, e.id] })).body.group_id as string;
    await type(d, big);
    // The sentinel: a later indicator in the first group comes through, so the others were handled.
    await sleep(600);
    await type(c, group, { state: 'paused' });
    await b.inbox.waitFor(1, (m) => typingIn(group)(m) && m.payload.user === c.id);
    await settle();
    for (const u of [a, b, c, outsider, d, e]) {
      expect(u.inbox.messages.filter(typingIn(big))).toEqual([]);
    }
    expect(a.inbox.messages.filter(anyTyping).map((m) => m.payload.user)).toEqual([c.id]);
    expect(b.inbox.messages.filter(anyTyping).map((m) => m.payload.user)).toEqual([a.id, c.id]);
    expect(c.inbox.messages.filter(anyTyping).map((m) => m.payload.user)).toEqual([a.id]);
    expect(outsider.inbox.messages.filter(anyTyping)).toEqual([]);
    expect(await typingMetrics(engine)).toMatchObject({ not_a_member: 1, group_not_found: 1, group_too_large: 1 });
  });

  it('relays nothing when either user blocks the other, and the typist is not told', async () => {
    const [a, b, watcher] = await users('tba', 'tbb', 'tbw');
    expect((await api.put(`users/${b.id}/blocks/${a.id}`, {})).status).toBe(201);
    // The block is in force: a message is refused.
    await a.client.publishAsync(layout.outgoing(a.id, b.id), JSON.stringify({ text: 'hi', client_message_id: 'm1' }), { qos: 1 });
    const [refused] = await a.inbox.waitFor(1, (m) => m.topic.endsWith('/clientrejected'));
    expect(refused.payload.code).toBe(RejectionCode.BLOCKED);

    await type(a, b.id); // the blocked one types to the blocker
    await type(b, a.id); // the blocker types to the blocked one
    await sleep(600);
    await type(watcher, a.id);
    await type(watcher, b.id);
    await a.inbox.waitFor(1, typingIn(watcher.id));
    await b.inbox.waitFor(1, typingIn(watcher.id));
    await settle();
    expect(a.inbox.messages.filter(anyTyping).map((m) => m.payload.user)).toEqual([watcher.id]);
    expect(b.inbox.messages.filter(anyTyping).map((m) => m.payload.user)).toEqual([watcher.id]);
    // Nothing on any answer topic: fire-and-forget.
    expect(a.inbox.messages.filter((m) => m.topic.includes(`/${b.id}/`) && !m.topic.endsWith('/typing') && !m.topic.includes('/messages/'))).toEqual([]);
    expect((await typingMetrics(engine)).blocked).toBeGreaterThanOrEqual(2);
  });

  it('rate-limits per conversation: a burst of 20 gives at most a few, and another conversation is not held back', async () => {
    const [a, b, c] = await users('tra', 'trb', 'trc');
    await Promise.all(Array.from({ length: 20 }, (_, i) => type(a, b.id, { state: i % 2 ? 'paused' : 'typing' })));
    await type(a, c.id);
    await c.inbox.waitFor(1, anyTyping);
    await settle();
    const got = b.inbox.messages.filter(anyTyping).length;
    expect(got).toBeGreaterThanOrEqual(1);
    expect(got).toBeLessThanOrEqual(4);
    expect((await typingMetrics(engine)).rate_limited).toBeGreaterThanOrEqual(16);
  });

  it('stores nothing: no collection of either database grows, no conversation list changes', async () => {
    const [a, b, c] = await users('tsa', 'tsb', 'tsc');
    const group = (await api.post('groups', { name: 'Quiet', owner: a.id, members: [b.id, c.id] })).body.group_id as string;
    await settle(); // connections, presence and the group's summaries written behind
    const lists = () =>
      Promise.all(
        [a, b, c].map(async (u) =>
          ((await api.get(`users/${u.id}/conversations`)).body.items as Array<{ peer: string; unread_count: number; last_message: { message_id: string } }>).map((x) => [x.peer, x.unread_count, x.last_message.message_id]),
        ),
      );
    const before = await counts();
    const listsBefore = await lists();
    expect(listsBefore.map((l) => l.map(([peer]) => peer))).toEqual([[group], [group], [group]]);
    for (let i = 0; i < 5; i++) {
      await Promise.all([type(a, b.id), type(b, a.id), type(c, group), type(a, group, { state: 'paused' })]);
      await sleep(600);
    }
    await b.inbox.waitFor(5, typingIn(a.id));
    await settle();
    expect(await counts()).toEqual(before);
    expect(await lists()).toEqual(listsBefore);
  });

  it('drops malformed indicators (never dead-lettered, never answered) and works on afterwards', async () => {
    const [a, b] = await users('tma', 'tmb');
    const bad: Array<[string, string | Buffer]> = [
      [b.id, '{"state":'],
      [b.id, '{"state":"dancing"}'],
      [b.id, '[{"state":"typing"}]'],
      [b.id, 'null'],
      ['not!a!user', '{"state":"typing"}'],
      [a.id, '{"state":"typing"}'], // to oneself
    ];
    for (const [peer, body] of bad) {
      await type(a, peer, body);
      await sleep(550); // under the rate, so each is judged on its content
    }
    await type(a, b.id, Buffer.alloc(60 * 1024, 0x7b));
    await sleep(550);
    await type(a, b.id, { state: 'typing', extra: { deep: [1, 2, 3] } });
    const [ok] = await b.inbox.waitFor(1, anyTyping);
    expect(ok.payload).toEqual({ user: a.id, state: 'typing', timestamp: expect.any(Number) });
    await settle();
    expect(b.inbox.messages.filter(anyTyping)).toHaveLength(1);
    expect(a.inbox.messages.filter((m) => !m.topic.endsWith('/typing'))).toEqual([]);
    expect(await deadLetters((key) => key.endsWith('.typing') && key.includes(`.${a.id}.`), 1, 3000)).toEqual([]);
    expect(await typingMetrics(engine)).toMatchObject({ malformed: expect.any(Number), self: 1 });
    expect((await typingMetrics(engine)).malformed).toBeGreaterThanOrEqual(6);

    // The engine is fine: ready, and a message still goes through.
    expect((await fetch(`${engine.url}/health/ready`)).status).toBe(200);
    await a.client.publishAsync(layout.outgoing(a.id, b.id), JSON.stringify({ text: 'still here', client_message_id: 'm-after' }), { qos: 1 });
    await b.inbox.waitFor(1, (m) => m.topic === layout.clientAdded(b.id, a.id) && m.payload.text === 'still here');
  });

  it('through the SDK: typing(peer) and the typed event with the conversation; a group member\'s too', async () => {
    const [a, b] = await users('tka', 'tkb');
    const sdk: ChatClient[] = [];
    const open = async (id: string) => {
      const client = await connect({ url: servers.mqttUrl, userId: id, token: userToken(id) });
      sdk.push(client);
      return client;
    };
    try {
      const [alice, bob] = await Promise.all([open(a.id), open(b.id)]);
      const group = (await api.post('groups', { name: 'SDK', owner: a.id, members: [b.id] })).body.group_id as string;
      const seen: Array<{ user: string; state: string; peer: string }> = [];
      bob.on('typing', (notice, peer) => seen.push({ user: notice.user, state: notice.state, peer }));
      for (let i = 0; i < 10; i++) alice.typing(b.id); // keystrokes: one indicator
      alice.typing(b.id, 'paused'); // goes out once the throttle's interval ends
      alice.typing(group);
      const deadline = Date.now() + 10_000;
      while (seen.length < 3 && Date.now() < deadline) await sleep(50);
      await settle();
      expect(seen).toHaveLength(3);
      // The two first went out together (their order is the engine's); the pause half a second later.
      expect(seen.slice(0, 2)).toEqual(expect.arrayContaining([
        { user: a.id, state: 'typing', peer: a.id },
        { user: a.id, state: 'typing', peer: group },
      ]));
      expect(seen[2]).toEqual({ user: a.id, state: 'paused', peer: a.id });
      expect(bob.stats.malformed).toBe(0);
    } finally {
      await Promise.all(sdk.map((c) => c.close()));
    }
  });
});
