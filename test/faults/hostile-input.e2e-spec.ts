import { MqttClient } from 'mqtt';
import { RejectionCode } from '@app/protocol';
import { adminApi } from '../support/admin-api';
import { collectInbox, deadLetters, Inbox, layout, mqttConnect, uid } from '../support/broker';
import { closeTestDb, eventually, testDb } from '../support/database';
import { EngineProcess, startEngine } from '../support/engine';

/**
 * What a user with a valid token can send that passes the broker and once stalled the engine for
 * everyone (issue 13): odd keys and deep nesting in free-form fields, huge numbers, reserved
 * fields, topics longer than AMQP can carry. Each is sent between good messages of other users.
 */

/** Sum of every sample of a metric family in a Prometheus text exposition. */
function metricSum(text: string, name: string, labels = ''): number {
  const line = new RegExp(`^${name}(?:\\{[^}]*${labels}[^}]*\\})? (\\S+)$`, 'gm');
  return [...text.matchAll(line)].reduce((sum, m) => sum + Number(m[1]), 0);
}

function nestedJson(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

interface Bad {
  name: string;
  cmid: string;
  topic: string;
  body: string;
  code: RejectionCode;
  /** The notice's topic peer (`_invalid` when the topic names no valid recipient). */
  peer: string;
}

describe('hostile input from users with valid tokens', () => {
  const clients: MqttClient[] = [];
  let engine: EngineProcess;
  let api: ReturnType<typeof adminApi>;
  let attacker: string;
  let victim: string;
  let attackerClient: MqttClient;
  let attackerInbox: Inbox;
  let victimInbox: Inbox;
  // Good traffic between two other users, interleaved with everything the attacker sends.
  let good: { from: string; to: string; client: MqttClient; inbox: Inbox; sent: number };

  beforeAll(async () => {
    engine = await startEngine('hostile', { DEAD_LETTER_MAX_LENGTH: '50000' });
    api = adminApi(engine.url);
    attacker = uid('mallory');
    victim = uid('victim');
    expect((await api.put(`users/${attacker}`, { display_name: 'Mallory Registered' })).status).toBe(201);
    attackerClient = await mqttConnect(attacker);
    const victimClient = await mqttConnect(victim);
    const from = uid('good-a');
    const to = uid('good-b');
    const goodSender = await mqttConnect(from);
    const goodReceiver = await mqttConnect(to);
    clients.push(attackerClient, victimClient, goodSender, goodReceiver);
    attackerInbox = await collectInbox(attackerClient, attacker);
    victimInbox = await collectInbox(victimClient, victim);
    good = { from, to, client: goodSender, inbox: await collectInbox(goodReceiver, to), sent: 0 };
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await engine?.stop();
    await closeTestDb();
  });

  const sendGood = () => {
    const i = good.sent++;
    return good.client.publishAsync(layout.outgoing(good.from, good.to), JSON.stringify({ text: `g${i}`, client_message_id: `g${i}` }), { qos: 1 });
  };

  /** Every good message sent so far arrived, each stored once. */
  async function expectGoodTraffic(timeoutMs = 60_000): Promise<void> {
    const texts = () => new Set(good.inbox.messages.filter((m) => m.topic.endsWith('/clientadded')).map((m) => m.payload.text));
    await eventually(async () => texts().size >= good.sent, timeoutMs, `${good.sent} good messages`).catch(() => undefined);
    expect(Array.from({ length: good.sent }, (_, i) => `g${i}`).filter((t) => !texts().has(t))).toEqual([]);
    const stored = await (await testDb()).collection('messages').countDocuments({ sender: good.from });
    expect(stored).toBe(good.sent);
  }

  async function expectReadyAndDrained(): Promise<void> {
    await eventually(async () => (await fetch(`${engine.url}/health/ready`)).status === 200, 30_000, 'ready');
    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    expect(metricSum(metrics, 'engine_queue_messages', 'queue="messaging-engine.outgoing"')).toBe(0);
    expect(metricSum(metrics, 'engine_oldest_message_age_seconds')).toBeLessThan(5);
  }

  it('stores and delivers free-form fields with keys a database refuses, exactly as sent, and names a registered sender itself', async () => {
    const payloads: Array<Record<string, unknown>> = [
      { attributes: { 'a\u0000b': 1 } },
      { attributes: { list: [{ $gt: '' }, { $where: 'sleep(1000)' }, { $ne: null }] } },
      { attributes: { 'a.b': { 'c.d': true } }, metadata: { $gt: '' } },
      { attributes: { matrix: [[1, 2], [3]], empty: [[], [[]]] } },
      { metadata: JSON.parse(nestedJson(16)).a as Record<string, unknown> },
      { attributes: { huge: 1.7976931348623157e308, tiny: 5e-324, neg: -0.5 } },
    ];
    const sent: Array<Record<string, unknown>> = payloads.map((p, i) => ({ ...p, text: `odd ${i}`, client_message_id: `odd${i}`, sender_fullname: 'System <admin>' }));
    for (const body of sent) {
      await attackerClient.publishAsync(layout.outgoing(attacker, victim), JSON.stringify(body), { qos: 1 });
      await sendGood();
    }
    // The admin send of issue 13 (metadata {"$gt": ""}) takes the same path.
    const viaAdmin = await api.post('messages', { sender: attacker, recipient: victim, text: 'odd admin', client_message_id: 'oddadmin', metadata: { $gt: '' } });
    expect(viaAdmin.status).toBe(202);

    const received = await victimInbox.waitFor(sent.length + 1, (m) => m.topic.endsWith('/clientadded'), 30_000);
    const byId = new Map(received.map((m) => [m.payload.client_message_id, m.payload]));
    for (const body of sent) {
      const got = byId.get(body.client_message_id)!;
      expect({ attributes: got.attributes, metadata: got.metadata }).toEqual({ attributes: body.attributes, metadata: body.metadata });
      expect(got.sender_fullname).toBe('Mallory Registered');
    }
    expect(byId.get('oddadmin')!.metadata).toEqual({ $gt: '' });

    // History returns exactly what was sent too.
    const history = await api.get(`users/${victim}/conversations/${attacker}/messages?limit=50`);
    expect(history.status).toBe(200);
    const stored = new Map((history.body.items as Array<Record<string, unknown>>).map((m) => [m.client_message_id, m]));
    for (const body of sent) {
      expect({ attributes: stored.get(body.client_message_id)!.attributes, metadata: stored.get(body.client_message_id)!.metadata }).toEqual({
        attributes: body.attributes,
        metadata: body.metadata,
      });
    }
    await expectGoodTraffic();
    await expectReadyAndDrained();
  });

  it('refuses every poison alone with its code, tells the sender once, dead-letters it, and good traffic never waits', async () => {
    const out = layout.outgoing(attacker, victim);
    const topicWith = (recipient: string) => layout.outgoing(attacker, recipient);
    // A recipient that makes the routing key exactly 256 bytes: one byte more than AMQP carries.
    const keyOf256 = 'r'.repeat(256 - topicWith('').length);
    const bad: Bad[] = [
      { cmid: 'b-deep2500', name: 'nested 2,500 deep', topic: out, body: `{"text":"x","client_message_id":"b-deep2500","attributes":${nestedJson(2500)}}`, code: RejectionCode.INVALID_PAYLOAD, peer: victim },
      { cmid: 'b-deep10000', name: 'nested 10,000 deep', topic: out, body: `{"text":"x","client_message_id":"b-deep10000","metadata":${nestedJson(10_000)}}`, code: RejectionCode.INVALID_PAYLOAD, peer: victim },
      { cmid: 'b-1e400', name: '1e400', topic: out, body: '{"text":"x","client_message_id":"b-1e400","attributes":{"n":1e400}}', code: RejectionCode.INVALID_PAYLOAD, peer: victim },
      { cmid: 'b-nul', name: 'NUL in text', topic: out, body: '{"text":"a\\u0000b","client_message_id":"b-nul"}', code: RejectionCode.INVALID_PAYLOAD, peer: victim },
      { cmid: 'b-surrogate', name: 'lone surrogate', topic: out, body: '{"text":"\\ud800","client_message_id":"b-surrogate"}', code: RejectionCode.INVALID_PAYLOAD, peer: victim },
      { cmid: 'b-system', name: 'type system', topic: out, body: '{"text":"x","type":"system","client_message_id":"b-system"}', code: RejectionCode.INVALID_PAYLOAD, peer: victim },
      { cmid: 'b-attrsystem', name: 'attributes.system', topic: out, body: '{"text":"x","attributes":{"system":true},"client_message_id":"b-attrsystem"}', code: RejectionCode.INVALID_PAYLOAD, peer: victim },
      { cmid: 'b-65', name: 'a 65-character recipient', topic: topicWith('r'.repeat(65)), body: '{"text":"x","client_message_id":"b-65"}', code: RejectionCode.INVALID_TOPIC, peer: '_invalid' },
      { cmid: 'b-256', name: 'a 256-byte routing key', topic: topicWith(keyOf256), body: '{"text":"x","client_message_id":"b-256"}', code: RejectionCode.INVALID_TOPIC, peer: '_invalid' },
      { cmid: 'b-1000', name: 'a 1,000-character recipient', topic: topicWith('r'.repeat(1000)), body: '{"text":"x","client_message_id":"b-1000"}', code: RejectionCode.INVALID_TOPIC, peer: '_invalid' },
    ];
    const goodBefore = good.sent;
    for (const b of bad) {
      await attackerClient.publishAsync(b.topic, b.body, { qos: 1 });
      for (let i = 0; i < 5; i++) await sendGood();
    }
    await expectGoodTraffic();
    expect(good.sent - goodBefore).toBe(bad.length * 5);

    // One notice per message, with its code, on the topic that names the sender.
    const isNotice = (m: { topic: string }) => m.topic.endsWith('/clientrejected');
    await attackerInbox.waitFor(bad.length, isNotice, 30_000);
    await new Promise((r) => setTimeout(r, 1000)); // a second notice would arrive by now
    const notices = attackerInbox.messages.filter(isNotice);
    expect(notices).toHaveLength(bad.length);
    for (const b of bad) {
      const told = notices.filter((n) => n.topic === layout.clientRejected(attacker, b.peer) && (b.peer === '_invalid' || n.payload.client_message_id === b.cmid));
      expect([b.name, told.map((n) => n.payload.code)]).toEqual([b.name, b.peer === '_invalid' ? expect.arrayContaining([b.code]) : [b.code]]);
    }
    expect(notices.filter((n) => n.topic === layout.clientRejected(attacker, '_invalid'))).toHaveLength(bad.filter((b) => b.peer === '_invalid').length);

    // Every one in the dead-letter queue with its code; the over-long key only in a header, cut short.
    const dead = await deadLetters((key) => key.includes(`.${attacker}.`), bad.length, 30_000);
    expect(dead.map((d) => d.headers['x-reject-code']).sort()).toEqual(bad.map((b) => b.code).sort());
    const longest = dead.find((d) => String(d.headers['x-original-routing-key']).length >= 1000);
    // (Read over AMQP at all: dead-lettered under its own key, it would drop the reader's connection.)
    expect(longest?.headers['x-original-routing-key']).toBe(`apps.tilechat.users.${attacker}.${'r'.repeat(1000)}`.slice(0, 1024));
    await expectReadyAndDrained();
  });

  it('fuzz: 10,000 bad messages, long topics among them, interleaved with 1,000 good ones: every good one arrives, every bad one is refused once', async () => {
    const generators: Array<(i: number) => [string, string]> = [
      (i) => [layout.outgoing(attacker, victim), `{not json ${i}`],
      (i) => [layout.outgoing(attacker, victim), `{"text":"x","client_message_id":"f${i}","attributes":${nestedJson(50)}}`],
      (i) => [layout.outgoing(attacker, victim), `{"text":"x","client_message_id":"f${i}","attributes":{"n":1e999}}`],
      (i) => [layout.outgoing(attacker, victim), `{"text":${i},"client_message_id":"f${i}"}`],
      (i) => [layout.outgoing(attacker, victim), `{"text":"x","type":"system","client_message_id":"f${i}"}`],
      (i) => [`${layout.prefix}/${attacker}/a/b/messages/outgoing`, `{"text":"x","client_message_id":"f${i}"}`],
      (i) => [layout.outgoing(attacker, `bad.id${i}`), `{"text":"x","client_message_id":"f${i}"}`],
    ];
    const bad = 10_000;
    const longTopics = 20;
    const metricsBefore = await (await fetch(`${engine.url}/metrics`)).text();
    const deadBefore = metricSum(metricsBefore, 'engine_messages_dead_lettered_total');
    const noticesBefore = attackerInbox.messages.filter((m) => m.topic.endsWith('/clientrejected')).length;
    const goodBefore = good.sent;
    const started = Date.now();
    const published: Promise<unknown>[] = [];
    for (let i = 0; i < bad; i++) {
      const long = i % (bad / longTopics) === 0;
      const [topic, body] = long ? [layout.outgoing(attacker, `${'x'.repeat(400)}${i}`), '{"text":"x"}'] : generators[i % generators.length](i);
      published.push(attackerClient.publishAsync(topic, body, { qos: 1 }));
      if (i % 10 === 0) published.push(sendGood());
      if (published.length >= 500) await Promise.all(published.splice(0));
    }
    await Promise.all(published);
    await expectGoodTraffic(240_000);
    expect(good.sent - goodBefore).toBe(bad / 10);

    await eventually(
      async () => metricSum(await (await fetch(`${engine.url}/metrics`)).text(), 'engine_messages_dead_lettered_total') - deadBefore >= bad,
      120_000,
      `${bad} dead letters`,
    ).catch(() => undefined);
    const seconds = (Date.now() - started) / 1000;
    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    expect(metricSum(metrics, 'engine_messages_dead_lettered_total') - deadBefore).toBe(bad);
    await new Promise((r) => setTimeout(r, 1000));
    const notices = attackerInbox.messages.filter((m) => m.topic.endsWith('/clientrejected')).length - noticesBefore;
    expect(notices).toBe(bad);
    const duplicates = good.inbox.messages.length - new Set(good.inbox.messages.map((m) => m.payload.message_id)).size;
    process.stdout.write(`hostile fuzz: ${bad} bad (${longTopics} over 255 bytes) + ${bad / 10} good in ${seconds.toFixed(1)} s; good duplicates ${duplicates}\n`);
    await expectReadyAndDrained();
  });
});

describe('refused messages count against the sender\'s rate', () => {
  let engine: EngineProcess | undefined;
  const clients: MqttClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await engine?.stop();
  });

  it('dead-letters a flood of invalid messages only up to the allowance; the rest are refused RATE_LIMITED, once each', async () => {
    engine = await startEngine('hostile-rate', { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '5' });
    const a = uid('flood');
    const client = await mqttConnect(a);
    clients.push(client);
    const inbox = await collectInbox(client, a);
    const n = 40;
    await Promise.all(Array.from({ length: n }, (_, i) => client.publishAsync(layout.outgoing(a, 'x'), `{"text":5,"client_message_id":"r${i}"}`, { qos: 1 })));
    const notices = await inbox.waitFor(n, (m) => m.topic.endsWith('/clientrejected'), 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    const codes = inbox.messages.filter((m) => m.topic.endsWith('/clientrejected')).map((m) => m.payload.code);
    expect(codes).toHaveLength(n);
    const invalid = codes.filter((c) => c === RejectionCode.INVALID_PAYLOAD).length;
    expect(invalid).toBeGreaterThanOrEqual(5);
    expect(invalid).toBeLessThanOrEqual(8); // the burst, plus what a second of sending refills
    expect(codes.filter((c) => c === RejectionCode.RATE_LIMITED)).toHaveLength(n - invalid);
    expect(new Set(notices.map((m) => m.payload.client_message_id)).size).toBe(n);
    // Waits the whole time (fewer than n match): long enough to walk past the fuzz test's dead letters on a loaded machine.
    const dead = await deadLetters((key) => key.includes(`.${a}.`), n, 15_000);
    expect(dead).toHaveLength(invalid);
  });
});
