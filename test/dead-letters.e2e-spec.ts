import { readFileSync } from 'node:fs';
import { MqttClient } from 'mqtt';
import { RejectionCode } from '@app/protocol';
import { AdminApi, adminApi } from './support/admin-api';
import { amqpAdmin, collectInbox, layout, mqttConnect, uid } from './support/broker';
import { closeTestDb, eventually, testDb } from './support/database';
import { EngineProcess, freePort, spawnEngine, startEngine, waitForStatus } from './support/engine';

const ENGINE_QUEUE = 'messaging-engine.outgoing';
const MARKER = 'dead-letter-body-marker';

describe('dead-letter admin API', () => {
  const clients: MqttClient[] = [];
  let engine: EngineProcess;
  let api: AdminApi;

  beforeAll(async () => {
    // A strict payload limit: a valid but large message is refused now, and delivered once it is raised.
    engine = await startEngine('dead-letters-strict', { MAX_PAYLOAD_BYTES: '1024' });
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
    await engine?.stop();
    await closeTestDb();
  });

  const depth = async () => (await api.get('dead-letters?limit=1')).body.count as number;

  it('is documented in the OpenAPI document with its error responses', async () => {
    const doc = (await (await fetch(`${engine.url}/docs-json`)).json()) as Record<string, any>;
    const ops = { get: doc.paths['/admin/v1/dead-letters']?.get, delete: doc.paths['/admin/v1/dead-letters']?.delete, replay: doc.paths['/admin/v1/dead-letters/replay']?.post };
    const schema = (op: any, status: string) => op?.responses?.[status]?.content?.['application/json']?.schema?.$ref;
    expect(schema(ops.get, '200')).toBe('#/components/schemas/DeadLetterListResponse');
    expect(schema(ops.replay, '200')).toBe('#/components/schemas/ReplayDeadLettersResponse');
    expect(schema(ops.delete, '200')).toBe('#/components/schemas/PurgeDeadLettersResponse');
    for (const op of Object.values(ops)) {
      for (const status of ['400', '503']) expect(schema(op, status)).toBe('#/components/schemas/ErrorBody');
    }
    expect(ops.replay.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/ReplayDeadLettersDto');
    expect(Object.keys(doc.components.schemas.DeadLetterResponse.properties)).toEqual(
      expect.arrayContaining(['id', 'code', 'reason', 'routing_key', 'rejected_at', 'sender', 'recipient', 'headers', 'payload', 'payload_encoding']),
    );
  });

  it('answers bad input with 400 and the documented error body', async () => {
    const replies = {
      'GET limit=0': await api.get('dead-letters?limit=0'),
      'GET limit=abc': await api.get('dead-letters?limit=abc'),
      'GET limit=101': await api.get('dead-letters?limit=101'),
      'GET unknown parameter': await api.get('dead-letters?order=desc'),
      'POST limit=0': await api.post('dead-letters/replay', { limit: 0 }),
      'POST limit as text': await api.post('dead-letters/replay', { limit: '5' }),
      'POST unknown field': await api.post('dead-letters/replay', { all: true }),
      'POST malformed JSON': await api.post('dead-letters/replay', '{"limit":'),
      'DELETE limit=-1': await api.delete('dead-letters?limit=-1'),
      'DELETE limit=10001': await api.delete('dead-letters?limit=10001'),
    };
    for (const [what, reply] of Object.entries(replies)) {
      expect({ what, status: reply.status }).toEqual({ what, status: 400 });
      expect(reply.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', message: expect.any(String) });
    }
  });

  it('inspects without removing, replays (still bad: dead-lettered again; cause fixed: delivered), and purges', async () => {
    expect((await api.delete('dead-letters')).status).toBe(200); // start from an empty queue
    expect(await depth()).toBe(0);

    const a = uid('dl-a');
    const b = uid('dl-b');
    const sender = await mqttConnect(a);
    const receiver = await mqttConnect(b);
    clients.push(sender, receiver);
    const inbox = await collectInbox(receiver, b);
    const out = layout.outgoing(a, b);
    const large = { text: 'L'.repeat(1500), client_message_id: 'large-1' };
    await sender.publishAsync(out, `{not json ${MARKER}`, { qos: 1 });
    await sender.publishAsync(out, Buffer.from([0xff, 0xfe, 0x01]), { qos: 1 });
    await sender.publishAsync(out, JSON.stringify(large), { qos: 1 });
    await sender.publishAsync(`${layout.prefix}/${a}/x/y/messages/outgoing`, JSON.stringify({ text: MARKER }), { qos: 1 });
    // Straight into the engine queue through the default exchange: a routing key no handler serves.
    const conn = await amqpAdmin();
    const ch = await conn.createConfirmChannel();
    ch.publish('', ENGINE_QUEUE, Buffer.from(JSON.stringify({ text: MARKER })), { persistent: true });
    await ch.waitForConfirms();
    await conn.close();
    await eventually(async () => (await depth()) === 5, 15_000, '5 dead letters');

    // Inspect: every message with its reason, the queue unchanged, twice.
    const first = await api.get('dead-letters?limit=10');
    expect(first.status).toBe(200);
    expect(first.body.count).toBe(5);
    const byCode = (code: string) => first.body.messages.filter((m: any) => m.code === code);
    expect(first.body.messages.map((m: any) => m.code).sort()).toEqual(
      [RejectionCode.INVALID_PAYLOAD, RejectionCode.INVALID_PAYLOAD, RejectionCode.INVALID_TOPIC, 'NO_HANDLER', RejectionCode.PAYLOAD_TOO_LARGE].sort(),
    );
    for (const m of first.body.messages) {
      expect(m).toMatchObject({ id: expect.any(String), reason: expect.any(String), rejected_at: expect.any(Number), replay_count: 0 });
      expect(m.headers['x-reject-code']).toBe(m.code);
    }
    expect(new Set(first.body.messages.map((m: any) => m.id)).size).toBe(5);
    const text = byCode(RejectionCode.INVALID_PAYLOAD).find((m: any) => m.payload_encoding === 'utf8');
    const binary = byCode(RejectionCode.INVALID_PAYLOAD).find((m: any) => m.payload_encoding === 'base64');
    expect(text).toMatchObject({ sender: a, recipient: b, routing_key: layout.outgoing(a, b).replace(/\//g, '.'), exchange: 'amq.topic' });
    expect(text).toMatchObject({ payload: `{not json ${MARKER}`, payload_encoding: 'utf8', payload_bytes: Buffer.byteLength(`{not json ${MARKER}`), payload_truncated: false });
    expect(binary).toMatchObject({ payload: Buffer.from([0xff, 0xfe, 0x01]).toString('base64'), payload_encoding: 'base64', sender: a });
    expect(byCode(RejectionCode.PAYLOAD_TOO_LARGE)[0]).toMatchObject({ sender: a, recipient: b, payload: JSON.stringify(large) });
    expect(byCode(RejectionCode.INVALID_TOPIC)[0]).toMatchObject({ sender: a, recipient: null });
    expect(byCode('NO_HANDLER')[0]).toMatchObject({ routing_key: ENGINE_QUEUE, exchange: '', sender: null, reason: `no handler for routing key ${ENGINE_QUEUE}` });

    const again = await api.get('dead-letters?limit=10');
    expect(again.body.count).toBe(5);
    expect(again.body.messages.map((m: any) => m.id)).toEqual(first.body.messages.map((m: any) => m.id)); // same order
    expect(again.body.messages.every((m: any) => m.redelivered)).toBe(true);
    expect((await api.get('dead-letters?limit=2')).body).toMatchObject({ count: 5, messages: [{ id: first.body.messages[0].id }, { id: first.body.messages[1].id }] });

    // The transport's own dead-letter is counted and logged (code and routing key, never the body).
    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    expect(metrics).toMatch(/^engine_messages_dead_lettered_total\{code="NO_HANDLER"\} 1$/m);
    expect(metrics).toMatch(/^engine_messages_dead_lettered_total\{code="INVALID_PAYLOAD"\} 2$/m);
    const log = readFileSync(engine.logFile, 'utf8').split('\n');
    const noHandler = log.filter((l) => l.includes('"message dead-lettered"')).map((l) => JSON.parse(l));
    expect(noHandler).toEqual([expect.objectContaining({ code: 'NO_HANDLER', routingKey: ENGINE_QUEUE })]);
    expect(log.filter((l) => l.includes(MARKER))).toEqual([]);

    // Fix the cause of one (raise the payload limit), then replay all of them.
    await engine.stop();
    engine = await startEngine('dead-letters-relaxed');
    api = adminApi(engine.url);
    const replay = await api.post('dead-letters/replay', {});
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ replayed: 5, unroutable: 0, skipped: 0, left: [] });

    const [delivered] = await inbox.waitFor(1, (m) => m.payload.client_message_id === 'large-1', 15_000);
    expect(delivered.payload).toMatchObject({ sender: a, recipient: b, text: large.text });
    expect(await (await testDb()).collection('messages').countDocuments({ sender: a })).toBe(1);

    // The four still bad are back, with a fresh rejection and their replay counted.
    await eventually(async () => (await depth()) === 4, 15_000, '4 dead letters back');
    const back = (await api.get('dead-letters?limit=10')).body.messages;
    expect(back.map((m: any) => m.code).sort()).toEqual(
      [RejectionCode.INVALID_PAYLOAD, RejectionCode.INVALID_PAYLOAD, RejectionCode.INVALID_TOPIC, 'NO_HANDLER'].sort(),
    );
    expect(back.map((m: any) => m.replay_count)).toEqual([1, 1, 1, 1]);

    // A limited replay takes the oldest only.
    expect((await api.post('dead-letters/replay', { limit: 1 })).body).toEqual({ replayed: 1, unroutable: 0, skipped: 0, left: [] });
    await eventually(async () => (await api.get('dead-letters?limit=10')).body.messages.some((m: any) => m.replay_count === 2), 15_000, 'one replayed twice');

    // Purge: the oldest one, then the rest.
    expect((await api.delete('dead-letters?limit=1')).body).toEqual({ removed: 1 });
    expect(await depth()).toBe(3);
    expect((await api.delete('dead-letters')).body).toEqual({ removed: 3 });
    expect((await api.get('dead-letters')).body).toEqual({ count: 0, messages: [] });
    expect((await api.post('dead-letters/replay')).body).toEqual({ replayed: 0, unroutable: 0, skipped: 0, left: [] });
  });

  it('answers 503 DEPENDENCY_UNAVAILABLE while the broker cannot be reached', async () => {
    const offline = await spawnEngine('dead-letters-no-broker', { RABBITMQ_PORT: String(await freePort()) });
    try {
      await waitForStatus(`${offline.url}/health/live`, 200, 30_000);
      const offlineApi = adminApi(offline.url);
      for (const reply of [await offlineApi.get('dead-letters'), await offlineApi.post('dead-letters/replay', {}), await offlineApi.delete('dead-letters')]) {
        expect(reply.status).toBe(503);
        expect(reply.body).toMatchObject({ statusCode: 503, code: 'DEPENDENCY_UNAVAILABLE', message: expect.stringContaining('broker') });
      }
    } finally {
      await offline.stop();
    }
  });
});
