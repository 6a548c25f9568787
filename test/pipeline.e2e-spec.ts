import { MqttClient } from 'mqtt';
import { DeliveredMessage, MessageStatus, RejectionCode } from '@app/protocol';
import { collectInbox, deadLetters, Inbox, layout, mqttConnect, uid } from './support/broker';
import { closeTestDb, eventually, testDb, testDerivedDb } from './support/database';
import { EngineProcess, startEngine } from './support/engine';
import { adminApi } from './support/admin-api';

describe('message pipeline', () => {
  let engine: EngineProcess;
  const clients: MqttClient[] = [];

  async function user(name: string): Promise<{ id: string; client: MqttClient; inbox: Inbox }> {
    const id = uid(name);
    const client = await mqttConnect(id);
    clients.push(client);
    return { id, client, inbox: await collectInbox(client, id) };
  }

  beforeAll(async () => {
    engine = await startEngine('pipeline', { MAX_PAYLOAD_BYTES: '2048' });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
    await engine?.stop();
    await closeTestDb();
  });

  it('delivers A -> B with the documented payload, a sent copy to A, and stores both sides', async () => {
    const a = await user('alice');
    const b = await user('bob');
    const outgoing = {
      text: 'hello bob',
      client_message_id: 'c-1',
      attributes: { color: 'blue' },
      metadata: { trace: 1 },
      sender_fullname: 'Alice A',
      recipient_fullname: 'Bob B',
    };
    const before = Date.now();
    await a.client.publishAsync(layout.outgoing(a.id, b.id), JSON.stringify(outgoing), { qos: 1 });

    const [got] = await b.inbox.waitFor(1);
    expect(got.topic).toBe(layout.clientAdded(b.id, a.id));
    expect(got.qos).toBe(1); // a QoS 1 subscriber gets it at QoS 1 (kept for an offline persistent session)
    const delivered = got.payload as unknown as DeliveredMessage;
    expect(delivered).toEqual({
      ...outgoing,
      type: 'text',
      message_id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      sender: a.id,
      recipient: b.id,
      app_id: 'tilechat',
      channel_type: 'direct',
      timestamp: expect.any(Number),
      status: MessageStatus.DELIVERED,
    });
    expect(delivered.timestamp).toBeGreaterThanOrEqual(before - 5);

    const [own] = await a.inbox.waitFor(1, (m) => m.topic.endsWith('/clientadded'));
    expect(own.topic).toBe(layout.clientAdded(a.id, b.id));
    expect(own.payload).toEqual({ ...delivered, status: MessageStatus.SENT });

    const db = await testDb();
    const stored = await db.collection('messages').findOne({ _id: delivered.message_id as never });
    expect(stored).toMatchObject({ sender: a.id, recipient: b.id, text: 'hello bob', client_message_id: 'c-1' });

    // Both sides' lists show it within about a second (a change record merged over the summaries)...
    const api = adminApi(engine.url);
    const listOf = async (owner: string) => ((await api.get(`users/${owner}/conversations`)).body.items as Array<Record<string, unknown>>) ?? [];
    const listed = async () => {
      const [ofA, ofB] = await Promise.all([listOf(a.id), listOf(b.id)]);
      return ofA.length === 1 && ofB.length === 1 ? { [a.id]: ofA[0], [b.id]: ofB[0] } : null;
    };
    const expected = {
      [a.id]: { peer: b.id, unread_count: 0, last_message: { message_id: delivered.message_id, text: 'hello bob' } },
      [b.id]: { peer: a.id, unread_count: 1, last_message: { message_id: delivered.message_id } },
    };
    expect(await eventually(listed, 5_000, 'both conversations listed')).toMatchObject(expected);

    // ...and the folder writes them into the stored summaries (10 s later) and deletes the records, counting each message once.
    const derived = await testDerivedDb();
    const folded = await eventually(async () => {
      const found = await derived.collection('conversations').find({ owner: { $in: [a.id, b.id] } }).toArray();
      const left = await derived.collection('conversation_changes').countDocuments({ owner: { $in: [a.id, b.id] } });
      return found.length === 2 && left === 0 ? found : null;
    }, 30_000, 'both summaries folded');
    expect(Object.fromEntries(folded.map((c) => [c.owner, c]))).toMatchObject(expected);
    expect(await listed()).toMatchObject(expected);
  });

  it('delivers 1,000 messages A -> B in the order sent and stores them in that order', async () => {
    const a = await user('ordered-a');
    const b = await user('ordered-b');
    const n = 1000;
    for (let i = 0; i < n; i++) {
      a.client.publish(layout.outgoing(a.id, b.id), JSON.stringify({ text: `m${i}`, client_message_id: `o-${i}` }), { qos: 1 });
    }
    const received = await b.inbox.waitFor(n, () => true, 60_000);
    expect(received.map((m) => m.payload.text)).toEqual(Array.from({ length: n }, (_, i) => `m${i}`));
    const ids = received.map((m) => m.payload.message_id as string);
    expect([...ids].sort()).toEqual(ids);

    const db = await testDb();
    const stored = await db.collection('messages').find({ sender: a.id }).sort({ _id: 1 }).toArray();
    expect(stored.map((m) => m.text)).toEqual(Array.from({ length: n }, (_, i) => `m${i}`));
  });

  it('stores a redelivered message (same client_message_id) once and delivers it with one message_id', async () => {
    const a = await user('dup-a');
    const b = await user('dup-b');
    const body = JSON.stringify({ text: 'once', client_message_id: 'same-id' });
    await a.client.publishAsync(layout.outgoing(a.id, b.id), body, { qos: 1 });
    await b.inbox.waitFor(1);
    await a.client.publishAsync(layout.outgoing(a.id, b.id), body, { qos: 1 });
    const copies = await b.inbox.waitFor(2);
    expect(new Set(copies.map((c) => c.payload.message_id)).size).toBe(1);
    const db = await testDb();
    expect(await db.collection('messages').countDocuments({ sender: a.id })).toBe(1);
  });

  it('dead-letters bad messages with a reason, tells the sender, and keeps delivering the good ones', async () => {
    const a = await user('bad-a');
    const b = await user('bad-b');
    const out = layout.outgoing(a.id, b.id);
    const cases: Array<[string, string | Buffer, RejectionCode]> = [
      [out, '{not json', RejectionCode.INVALID_PAYLOAD],
      [out, '[1,2,3]', RejectionCode.INVALID_PAYLOAD],
      [out, JSON.stringify({ text: 'x'.repeat(4096), client_message_id: 'big' }), RejectionCode.PAYLOAD_TOO_LARGE],
      [out, JSON.stringify({ text: 42, client_message_id: 'typed' }), RejectionCode.INVALID_PAYLOAD],
      [`${layout.prefix}/${a.id}/x/y/messages/outgoing`, JSON.stringify({ text: 'hi' }), RejectionCode.INVALID_TOPIC],
    ];
    for (const [i, [topic, body]] of cases.entries()) {
      await a.client.publishAsync(out, JSON.stringify({ text: `good ${i}` }), { qos: 1 });
      await a.client.publishAsync(topic, body, { qos: 1 });
    }
    await a.client.publishAsync(out, JSON.stringify({ text: 'good last' }), { qos: 1 });

    const good = await b.inbox.waitFor(cases.length + 1);
    expect(good.map((m) => m.payload.text)).toEqual([...cases.map((_, i) => `good ${i}`), 'good last']);
    // Notices are not ordered among themselves: each is sent once its dead letter is confirmed, and
    // the broker confirms a large persistent message (kept in its message store) later than small ones.
    const rejections = await a.inbox.waitFor(cases.length, (m) => m.topic.endsWith('/clientrejected'));
    expect(rejections.map((r) => r.payload.code).sort()).toEqual(cases.map(([, , code]) => code).sort());
    const withCode = (code: RejectionCode) => rejections.filter((r) => r.payload.code === code);
    // An oversized body is refused unread (so it carries no client_message_id).
    expect(withCode(RejectionCode.PAYLOAD_TOO_LARGE).map((r) => r.payload.client_message_id)).toEqual([undefined]);
    expect(withCode(RejectionCode.INVALID_PAYLOAD).filter((r) => r.payload.client_message_id === 'typed')).toHaveLength(1);
    expect(withCode(RejectionCode.INVALID_TOPIC).map((r) => r.topic)).toEqual([`${layout.prefix}/${a.id}/_invalid/messages/clientrejected`]);
    for (const r of rejections) expect(typeof r.payload.reason).toBe('string');

    const dead = await deadLetters((key) => key.includes(`.${a.id}.`), cases.length);
    expect(dead.map((d) => d.headers['x-reject-code'])).toEqual(cases.map(([, , code]) => code));
    for (const d of dead) {
      expect(String(d.headers['x-reject-reason']).length).toBeGreaterThan(0);
      expect(d.headers['x-original-routing-key']).toBe(d.routingKey);
    }
    expect(dead[0].body).toBe('{not json');

    const health = await fetch(`${engine.url}/health/ready`);
    expect(health.status).toBe(200);
  });
});
