import { readFileSync } from 'node:fs';
import { MqttClient } from 'mqtt';
import { MessageStatus, RejectionCode } from '@app/protocol';
import { AdminApi, adminApi, registeredUser, TestUser } from './support/admin-api';
import { deadLetters, layout, uid } from './support/broker';
import { closeTestDb, eventually, testDb } from './support/database';
import { EngineProcess, startEngine } from './support/engine';

type Received = { topic: string; payload: Record<string, unknown> };

const REGISTERED = { REQUIRE_REGISTERED_RECIPIENTS: 'true' };
const clients: MqttClient[] = [];

const send = (from: TestUser, to: TestUser, text: string) =>
  from.client.publishAsync(layout.outgoing(from.id, to.id), JSON.stringify({ text, client_message_id: text }), { qos: 1 });
const command = (from: TestUser, other: string, body: string) =>
  from.client.publishAsync(layout.blockCommand(from.id, other), body, { qos: 1 });
const delivered = (text: string) => (m: Received) => m.topic.endsWith('/clientadded') && m.payload.text === text;
const rejected = (text: string) => (m: Received) => m.topic.endsWith('/clientrejected') && m.payload.client_message_id === text;
const results = (m: Received) => m.topic.endsWith('/result');
const texts = (u: TestUser) => u.inbox.messages.filter((m) => m.topic.endsWith('/clientadded')).map((m) => m.payload.text);

/** The texts stored for the conversation of two users, in order. */
async function storedTexts(a: TestUser, b: TestUser): Promise<unknown[]> {
  const db = await testDb();
  const filter = { $or: [{ sender: a.id, recipient: b.id }, { sender: b.id, recipient: a.id }] };
  return (await db.collection('messages').find(filter).sort({ _id: 1 }).toArray()).map((m) => m.text);
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync()));
  await closeTestDb();
});

describe('blocks in reject mode', () => {
  let engine: EngineProcess;
  let api: AdminApi;

  beforeAll(async () => {
    engine = await startEngine('blocks-2', REGISTERED);
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    await engine?.stop();
  });

  it('refuses messages both ways with BLOCKED after an admin block, and lets them flow after unblock', async () => {
    const a = await registeredUser(api, 'anna', clients);
    const b = await registeredUser(api, 'ben', clients);
    await send(b, a, 'before');
    await a.inbox.waitFor(1, delivered('before'));

    const blocked = await api.put(`users/${a.id}/blocks/${b.id}`, { reason: 'harassment' });
    expect(blocked.status).toBe(201);
    expect(blocked.headers.get('location')).toBe(`/admin/v1/users/${a.id}/blocks/${b.id}`);
    expect(blocked.body).toEqual({ blocker: a.id, blocked: b.id, reason: 'harassment', created_at: expect.any(Number) });
    const again = await api.put(`users/${a.id}/blocks/${b.id}`, { reason: 'other' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(blocked.body); // the first block is kept, not duplicated
    const listed = await api.get(`users/${a.id}/blocks`);
    expect(listed.body).toEqual({ items: [blocked.body], next_cursor: null });
    expect((await api.get(`users/${a.id}/blocks/${b.id}`)).body).toEqual(blocked.body);
    expect((await api.get(`users/${b.id}/block-status/${a.id}`)).body).toEqual({
      user: b.id,
      peer: a.id,
      blocked: true,
      user_blocks_peer: false,
      peer_blocks_user: true,
    });

    await send(b, a, 'b-blocked');
    const [fromB] = await b.inbox.waitFor(1, rejected('b-blocked'));
    expect(fromB.topic).toBe(layout.clientRejected(b.id, a.id));
    expect(fromB.payload).toMatchObject({ code: RejectionCode.BLOCKED, reason: expect.any(String) });
    await send(a, b, 'a-blocked');
    const [fromA] = await a.inbox.waitFor(1, rejected('a-blocked'));
    expect(fromA.payload.code).toBe(RejectionCode.BLOCKED);

    expect((await api.delete(`users/${a.id}/blocks/${b.id}`)).status).toBe(204);
    expect((await api.delete(`users/${a.id}/blocks/${b.id}`)).status).toBe(204);
    expect((await api.get(`users/${a.id}/blocks/${b.id}`)).status).toBe(404);
    await send(b, a, 'b-after');
    await send(a, b, 'a-after');
    await a.inbox.waitFor(1, delivered('b-after'));
    await b.inbox.waitFor(1, delivered('a-after'));

    // Messages of a pair are handled in order: had a refused one been delivered, it would be here.
    expect(texts(a)).toEqual(['before', 'b-after', 'a-after']);
    expect(texts(b)).toEqual(['before', 'b-after', 'a-after']);
    await eventually(async () => (await storedTexts(a, b)).length === 3, 10_000, 'stored messages');
    expect(await storedTexts(a, b)).toEqual(['before', 'b-after', 'a-after']);
  });

  it('enforces a block made through instance 1 on instance 2, whose cache had the pair as unblocked', async () => {
    const c = await registeredUser(api, 'cleo', clients);
    const d = await registeredUser(api, 'dan', clients);
    await send(c, d, 'warm-up'); // only instance 2 runs: it caches both users and the pair
    await d.inbox.waitFor(1, delivered('warm-up'));

    const engine1 = await startEngine('blocks-1', REGISTERED);
    try {
      expect((await adminApi(engine1.url).put(`users/${d.id}/blocks/${c.id}`)).status).toBe(201);
    } finally {
      await engine1.stop(); // from now on only instance 2 can take the message
    }
    await send(c, d, 'after-block');
    const [refused] = await c.inbox.waitFor(1, rejected('after-block'));
    expect(refused.payload.code).toBe(RejectionCode.BLOCKED);
    expect((await api.get(`users/${c.id}/block-status/${d.id}`)).body).toMatchObject({ blocked: true, peer_blocks_user: true });

    expect((await api.delete(`users/${d.id}/blocks/${c.id}`)).status).toBe(204);
    await send(c, d, 'after-unblock');
    await d.inbox.waitFor(1, delivered('after-unblock'));
    expect(texts(d)).toEqual(['warm-up', 'after-unblock']);
  });

  it('lets users block and unblock from their client, echoing the result to their inbox', async () => {
    const e = await registeredUser(api, 'eve', clients);
    const f = await registeredUser(api, 'finn', clients);

    await command(e, f.id, JSON.stringify({ action: 'block' }));
    const [done] = await e.inbox.waitFor(1, results);
    expect(done.topic).toBe(layout.blockResult(e.id, f.id));
    expect(done.payload).toEqual({ action: 'block', blocker: e.id, blocked: f.id, ok: true, timestamp: expect.any(Number) });
    await send(f, e, 'f-blocked');
    expect((await f.inbox.waitFor(1, rejected('f-blocked')))[0].payload.code).toBe(RejectionCode.BLOCKED);
    expect((await api.get(`users/${e.id}/blocks`)).body.items.map((x: { blocked: string }) => x.blocked)).toEqual([f.id]);

    await command(e, f.id, JSON.stringify({ action: 'unblock' }));
    const [undone] = (await e.inbox.waitFor(2, results)).slice(1);
    expect(undone.payload).toMatchObject({ action: 'unblock', ok: true });
    await send(f, e, 'f-after');
    await e.inbox.waitFor(1, delivered('f-after'));
    expect(texts(e)).toEqual(['f-after']);
  });

  it('answers bad block commands with ok:false, and dead-letters the malformed ones', async () => {
    const g = await registeredUser(api, 'gus', clients);
    const stranger = uid('stranger');
    await command(g, stranger, JSON.stringify({ action: 'mute' }));
    await command(g, g.id, JSON.stringify({ action: 'block' }));
    await command(g, stranger, JSON.stringify({ action: 'block' }));
    const answers = await g.inbox.waitFor(3, results);
    // The malformed one is answered once its dead-letter move is confirmed, so possibly after the others.
    const byCode = (a: unknown[], b: unknown[]) => String(a[2]).localeCompare(String(b[2]));
    expect(answers.map((m) => [m.topic, m.payload.ok, m.payload.code, m.payload.action]).sort(byCode)).toEqual([
      [layout.blockResult(g.id, stranger), false, RejectionCode.INVALID_PAYLOAD, undefined],
      [layout.blockResult(g.id, stranger), false, 'USER_NOT_FOUND', 'block'],
      [layout.blockResult(g.id, g.id), false, 'VALIDATION_FAILED', 'block'],
    ]);
    const dead = await deadLetters((key) => key.includes(`.${g.id}.blocks.`), 1);
    expect(dead.map((d) => d.headers['x-reject-code'])).toEqual([RejectionCode.INVALID_PAYLOAD]);
    const db = await testDb();
    expect(await db.collection('blocks').countDocuments({ blocker: g.id })).toBe(0);
  });
});

describe('blocks in silent mode', () => {
  let engine: EngineProcess;
  let api: AdminApi;

  beforeAll(async () => {
    engine = await startEngine('blocks-silent', { ...REGISTERED, BLOCK_MODE: 'silent' });
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    await engine?.stop();
  });

  it('gives the sender a normal sent copy, delivers and stores nothing, and logs the refusal without the text', async () => {
    const h = await registeredUser(api, 'hana', clients);
    const i = await registeredUser(api, 'ivan', clients);
    expect((await api.put(`users/${h.id}/blocks/${i.id}`)).status).toBe(201);

    const secret = `hidden-${uid('text')}`;
    await send(i, h, secret);
    const [copy] = await i.inbox.waitFor(1, delivered(secret));
    expect(copy.topic).toBe(layout.clientAdded(i.id, h.id));
    expect(copy.payload).toMatchObject({
      message_id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      sender: i.id,
      recipient: h.id,
      status: MessageStatus.SENT,
      client_message_id: secret,
      timestamp: expect.any(Number),
    });
    await send(h, i, 'h-silenced'); // the blocker is refused silently too
    await h.inbox.waitFor(1, delivered('h-silenced'));

    expect((await api.delete(`users/${h.id}/blocks/${i.id}`)).status).toBe(204);
    await send(i, h, 'visible');
    await h.inbox.waitFor(1, (m) => delivered('visible')(m) && m.payload.status === MessageStatus.DELIVERED);

    const refusedAnywhere = [...h.inbox.messages, ...i.inbox.messages].filter((m) => m.topic.endsWith('/clientrejected'));
    expect(refusedAnywhere).toEqual([]);
    expect(h.inbox.messages.filter((m) => m.payload.status === MessageStatus.DELIVERED).map((m) => m.payload.text)).toEqual(['visible']);
    expect(i.inbox.messages.filter((m) => m.payload.status === MessageStatus.DELIVERED)).toEqual([]);
    await eventually(async () => (await storedTexts(h, i)).length === 1, 10_000, 'stored messages');
    expect(await storedTexts(h, i)).toEqual(['visible']);
    const conversation = await eventually(
      async () => ((await api.get(`users/${h.id}/conversations`)).body.items as Array<{ peer: string }>).find((c) => c.peer === i.id),
      10_000,
      'conversation',
    );
    expect(conversation).toMatchObject({ last_message: { text: 'visible' }, unread_count: 1 });

    const log = readFileSync(engine.logFile, 'utf8');
    const refusals = log.split('\n').filter((line) => line.includes('"message refused"') && line.includes(i.id));
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refusals[0])).toMatchObject({ code: RejectionCode.BLOCKED, silent: true, sender: i.id, recipient: h.id });
    expect(log).not.toContain(`"text":"${secret}"`);
  });
});
