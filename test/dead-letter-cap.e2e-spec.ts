import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ChannelModel } from 'amqplib';
import { TopicLayout } from '@app/protocol';
import { AdminApi, adminApi } from './support/admin-api';
import { amqpAdmin } from './support/broker';
import { closeTestDb, eventually } from './support/database';
import { EngineProcess, startEngine } from './support/engine';

/**
 * The dead-letter queue's cap, its upgrade from an uncapped queue, and replay past what cannot be
 * replayed. Each engine here has queues and a topic prefix of its own, so nothing it does reaches
 * the other files' queues, and its messages are published over AMQP straight into amq.topic.
 */
describe('dead-letter queue cap and replay', () => {
  const engines: EngineProcess[] = [];
  let conn: ChannelModel;

  beforeAll(async () => {
    conn = await amqpAdmin();
  });

  afterAll(async () => {
    await Promise.all(engines.map((e) => e.stop()));
    await conn?.close();
    await closeTestDb();
  });

  /** An engine with its own prefix, engine queue and dead-letter queue. */
  async function isolatedEngine(name: string, env: Record<string, string> = {}, reuse?: Isolated): Promise<Isolated> {
    const id = reuse?.id ?? randomBytes(4).toString('hex');
    const prefix = `apps/dl${id}/users`;
    const queues = { ENGINE_QUEUE: `e2e-dl-${id}.outgoing`, DEAD_LETTER_QUEUE: `e2e-dl-${id}.dead-letter` };
    const engine = await startEngine(name, { PATH_PREFIX: prefix, ...queues, ...env });
    engines.push(engine);
    return { id, engine, api: adminApi(engine.url), topics: new TopicLayout(prefix), ...queues };
  }

  interface Isolated {
    id: string;
    engine: EngineProcess;
    api: AdminApi;
    topics: TopicLayout;
    ENGINE_QUEUE: string;
    DEAD_LETTER_QUEUE: string;
  }

  async function publish(exchange: string, routingKey: string, body: Buffer | string, headers: Record<string, unknown> = {}): Promise<void> {
    const ch = await conn.createConfirmChannel();
    ch.publish(exchange, routingKey, Buffer.isBuffer(body) ? body : Buffer.from(body), { persistent: true, headers });
    await ch.waitForConfirms();
    await ch.close();
  }

  async function metric(engine: EngineProcess, pattern: RegExp): Promise<number> {
    const text = await (await fetch(`${engine.url}/metrics`)).text();
    const m = pattern.exec(text);
    return m ? Number(m[1]) : 0;
  }

  /** Dead letters the engine moved (broker-confirmed), all codes. */
  async function deadLettered(engine: EngineProcess): Promise<number> {
    const text = await (await fetch(`${engine.url}/metrics`)).text();
    return [...text.matchAll(/^engine_messages_dead_lettered_total\{code="[A-Z_]+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  }
  const dropped = (e: EngineProcess, code: string) => metric(e, new RegExp(`^engine_dead_letters_dropped_total\\{code="${code}"\\} (\\d+)$`, 'm'));
  const capped = (e: EngineProcess) => metric(e, /^engine_dead_letter_queue_capped (\d+)$/m);

  /** True when the queue exists with exactly these arguments (a declare with others is refused). */
  async function hasArguments(queue: string, args: Record<string, unknown>): Promise<boolean> {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    try {
      await ch.assertQueue(queue, { durable: true, arguments: args });
      await ch.close();
      return true;
    } catch {
      return false;
    }
  }

  it('keeps the newest dead letters within the cap (length and bytes), drops the oldest, counts each drop, and never blocks', async () => {
    // The bytes must hold one message of the broker's largest size (32 KiB with this payload limit).
    const t = await isolatedEngine('dl-cap', { MAX_PAYLOAD_BYTES: '1024', DEAD_LETTER_MAX_LENGTH: '5', DEAD_LETTER_MAX_BYTES: '40000' });
    const key = t.topics.outgoing('alice', 'bob').replace(/\//g, '.');
    expect(await capped(t.engine)).toBe(1);

    // One at a time, so they enter the dead-letter queue in this order.
    const send = async (body: string) => {
      const before = await deadLettered(t.engine);
      await publish('amq.topic', key, body);
      await eventually(async () => (await deadLettered(t.engine)) === before + 1, 15_000, 'dead-lettered');
    };
    for (let i = 1; i <= 6; i++) await send(`{not json ${i}`);
    // Length: 6 > 5, the oldest (1) dropped.
    await eventually(async () => (await dropped(t.engine, 'INVALID_PAYLOAD')) === 1, 10_000, 'one dropped');
    let left = (await t.api.get('dead-letters?limit=10')).body;
    expect(left.count).toBe(5);
    expect(left.messages.map((m: any) => m.payload)).toEqual([2, 3, 4, 5, 6].map((i) => `{not json ${i}`));

    // Bytes: two large ones (30,000 bytes each, refused as PAYLOAD_TOO_LARGE) cannot both stay within 40,000.
    const large = (c: string) => JSON.stringify({ text: c.repeat(30_000 - 11) });
    await send(large('x'));
    await send(large('y'));
    await eventually(async () => (await t.api.get('dead-letters?limit=10')).body.count === 1, 10_000, 'only the newest left');
    left = (await t.api.get('dead-letters?limit=10')).body;
    expect(left.messages.map((m: any) => [m.code, m.payload_bytes, m.payload.slice(9, 12)])).toEqual([['PAYLOAD_TOO_LARGE', 30_000, 'yyy']]);
    // Every drop counted once, by the code it had been dead-lettered with: 1 + 5 small ones, then the first large one.
    await eventually(async () => (await dropped(t.engine, 'INVALID_PAYLOAD')) === 6 && (await dropped(t.engine, 'PAYLOAD_TOO_LARGE')) === 1, 10_000, 'drops counted');
    expect(await deadLettered(t.engine)).toBe(8);
    const drops = await conn.createChannel();
    expect((await drops.checkQueue(`${t.DEAD_LETTER_QUEUE}.dropped`)).messageCount).toBe(0); // drained
    await drops.close();
    // Nothing was retried: every dead-letter publish was confirmed the first time.
    expect(readFileSync(t.engine.logFile, 'utf8')).not.toContain('message processing failed');
  });

  it('starts on an uncapped dead-letter queue from an older version: recreated when empty, kept (and reported) while it holds messages', async () => {
    const id = randomBytes(4).toString('hex');
    const dlq = `e2e-dl-${id}.dead-letter`;
    const ch = await conn.createChannel();
    await ch.assertQueue(dlq, { durable: true }); // as an older engine declared it
    await ch.sendToQueue(dlq, Buffer.from('an old dead letter'), { persistent: true });
    await ch.close();
    const env = { DEAD_LETTER_MAX_LENGTH: '7' };
    const capArgs = { 'x-max-length': 7, 'x-max-length-bytes': 104857600, 'x-overflow': 'drop-head', 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': `${dlq}.dropped` };

    // Holds a message: the engine starts on it as it is, and says so.
    const first = await isolatedEngine('dl-upgrade-kept', env, { id } as Isolated);
    expect(await capped(first.engine)).toBe(0);
    expect(readFileSync(first.engine.logFile, 'utf8')).toContain('queue kept without its new arguments');
    expect((await first.api.get('dead-letters')).body).toMatchObject({ count: 1, messages: [{ payload: 'an old dead letter' }] });
    expect(await hasArguments(dlq, {})).toBe(true);

    // Emptied, then restarted: recreated with the cap.
    expect((await first.api.delete('dead-letters')).body).toEqual({ removed: 1 });
    await first.engine.stop();
    const second = await isolatedEngine('dl-upgrade-recreated', env, { id } as Isolated);
    expect(await capped(second.engine)).toBe(1);
    expect(readFileSync(second.engine.logFile, 'utf8')).toContain('queue redeclared with new arguments (it was empty)');
    expect(await hasArguments(dlq, capArgs)).toBe(true);
    // And it works: a dead letter lands in it.
    await publish('amq.topic', second.topics.outgoing('a', 'b').replace(/\//g, '.'), '{nope');
    await eventually(async () => (await second.api.get('dead-letters')).body.count === 1, 15_000, 'a dead letter');
  });

  it('replays past a message whose exchange is gone or whose routing key is unusable, leaves them in the queue, and says why', async () => {
    const t = await isolatedEngine('dl-replay');
    const gone = `e2e-gone-${t.id}`;
    // A real dead letter from an exchange deleted since: bound into the engine queue with a key no handler serves.
    const ch = await conn.createChannel();
    await ch.assertExchange(gone, 'direct', { durable: false });
    await ch.bindQueue(t.ENGINE_QUEUE, gone, 'old.key');
    await ch.close();
    await publish(gone, 'old.key', '{"text":"from a deleted exchange"}');
    await eventually(async () => (await t.api.get('dead-letters')).body.count === 1, 15_000, 'first dead letter');
    const del = await conn.createChannel();
    await del.deleteExchange(gone);
    await del.close();
    // A dead letter whose original routing key AMQP cannot carry (as an older version could leave).
    const longKey = `${t.topics.amqpPrefix}.alice.${'r'.repeat(300)}.messages.outgoing`;
    await publish(`${t.DEAD_LETTER_QUEUE}.exchange`, 'x', '{"text":"long key"}', {
      'x-reject-code': 'INVALID_TOPIC',
      'x-original-routing-key': longKey,
      'x-original-exchange': 'amq.topic',
      'x-rejected-at': Date.now(),
    });
    // And one that can be replayed (it is refused again: still not JSON).
    await publish('amq.topic', t.topics.outgoing('alice', 'bob').replace(/\//g, '.'), '{still not json');
    await eventually(async () => (await t.api.get('dead-letters')).body.count === 3, 15_000, 'three dead letters');
    const before = (await t.api.get('dead-letters?limit=10')).body.messages;

    for (let round = 1; round <= 2; round++) {
      const replay = await t.api.post('dead-letters/replay', {});
      expect({ round, status: replay.status }).toEqual({ round, status: 200 });
      expect(replay.body).toEqual({
        replayed: 1,
        unroutable: 0,
        skipped: 2,
        left: [
          { id: before[0].id, code: 'EXCHANGE_NOT_FOUND', reason: `the original exchange "${gone}" no longer exists`, exchange: gone, routing_key: 'old.key' },
          { id: before[1].id, code: 'INVALID_ROUTING_KEY', reason: `the original routing key is ${Buffer.byteLength(longKey)} bytes; AMQP carries at most 255`, exchange: 'amq.topic', routing_key: longKey },
        ],
      });
      // The two stay, in their place; the third comes back dead-lettered again, replayed once more.
      await eventually(async () => {
        const after = (await t.api.get('dead-letters?limit=10')).body.messages;
        return after.length === 3 && after[2].replay_count === round;
      }, 15_000, 'replayed one back');
      const after = (await t.api.get('dead-letters?limit=10')).body.messages;
      expect(after.slice(0, 2).map((m: any) => [m.id, m.replay_count])).toEqual([[before[0].id, 0], [before[1].id, 0]]);
    }
    expect(await hasArguments(t.ENGINE_QUEUE, { 'x-dead-letter-exchange': `${t.DEAD_LETTER_QUEUE}.exchange` })).toBe(true); // the engine queue untouched
  });
});
