import { MqttClient } from 'mqtt';
import { collectInbox, deadLetters, layout, mqttConnect, uid } from '../support/broker';
import { closeTestDb, eventually, testDb } from '../support/database';
import { EngineProcess, startEngine, waitForStatus } from '../support/engine';
import { stack } from '../support/stack';
import { servers } from '../support/test-env';

(servers.external.database ? describe.skip : describe)('database stopped mid-stream', () => {
  const clients: MqttClient[] = [];
  let engine: EngineProcess | undefined;

  afterAll(async () => {
    await stack('start', 'ferretdb');
    await Promise.all(clients.map((c) => c.endAsync()));
    await engine?.stop();
    await closeTestDb();
  });

  it('pauses without dead-lettering while the database is down 10 s, then delivers and stores everything', async () => {
    const n = 1000;
    const a = uid('dbdown-a');
    // The second half comes from a sender the engine has not seen: its policy lookups must read the
    // database (a held batch insert may instead wait on a socket of the stopping server).
    const a2 = uid('dbdown-a2');
    const b = uid('dbdown-b');
    const sender = await mqttConnect(a);
    const sender2 = await mqttConnect(a2);
    clients.push(sender2);
    const receiver = await mqttConnect(b, { clean: false, clientId: `${b}~persistent` });
    clients.push(sender, receiver);
    const inbox = await collectInbox(receiver, b, 1);
    engine = await startEngine('db-outage', { READINESS_MAX_MESSAGE_AGE_MS: '2000' });
    const send = (i: number) =>
      (i < n / 2 ? sender : sender2).publishAsync(layout.outgoing(i < n / 2 ? a : a2, b), JSON.stringify({ text: `d${i}`, client_message_id: `d${i}` }), { qos: 1 });

    const published: Promise<unknown>[] = [];
    for (let i = 0; i < n / 2; i++) published.push(send(i));
    await stack('stop', 'ferretdb');
    const stoppedAt = Date.now();
    for (let i = n / 2; i < n; i++) published.push(send(i));
    await Promise.all(published); // the broker accepted all of them (PUBACK)
    const down = (await waitForStatus(`${engine.url}/health/ready`, 503, 20_000)) as Record<string, any>;
    expect(down.details.database.status).toBe('down');
    // Readiness also says that messages are held: the oldest has waited past the bound.
    await new Promise((r) => setTimeout(r, 2500));
    const held = (await (await fetch(`${engine.url}/health/ready`)).json()) as Record<string, any>;
    expect(held.details.pipeline).toMatchObject({ status: 'down', max_message_age_ms: 2000 });
    expect(held.details.pipeline.oldest_message_age_ms).toBeGreaterThan(2000);
    const heldMetrics = await (await fetch(`${engine.url}/metrics`)).text();
    expect(Number(/^engine_oldest_message_age_seconds (\S+)$/m.exec(heldMetrics)?.[1])).toBeGreaterThan(2);
    const deliveredWhileDown = new Set(inbox.messages.map((m) => m.payload.text)).size;
    await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - stoppedAt))));
    expect(new Set(inbox.messages.map((m) => m.payload.text)).size).toBe(deliveredWhileDown); // nothing acked without a store
    expect(deliveredWhileDown).toBeLessThan(n);
    await stack('start', 'ferretdb');

    const texts = () => new Set(inbox.messages.map((m) => m.payload.text));
    await eventually(async () => texts().size >= n, 90_000, `${n} distinct messages`).catch(() => undefined);
    expect(Array.from({ length: n }, (_, i) => `d${i}`).filter((t) => !texts().has(t))).toEqual([]);
    const ready = (await waitForStatus(`${engine.url}/health/ready`, 200, 30_000)) as Record<string, any>;
    expect(ready.details.pipeline.status).toBe('up');
    const db = await testDb();
    expect(await db.collection('messages').countDocuments({ sender: { $in: [a, a2] } })).toBe(n);
    expect(await deadLetters((key) => key.includes(`.${a}.`) || key.includes(`.${a2}.`), 1, 2000)).toEqual([]);
    // Failed reads are counted by operation, and the messages were held (retried in place with
    // backoff), not requeued: the broker redelivered none of them.
    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    const dbErrors = Object.fromEntries(
      [...metrics.matchAll(/^engine_db_errors_total\{operation="([^"]+)"\} (\S+)$/gm)].map((m) => [m[1], Number(m[2])]),
    );
    const redelivered = Number(/^engine_messages_redelivered_total (\S+)$/m.exec(metrics)?.[1]);
    process.stdout.write(
      `db outage: ${n} messages, ${deliveredWhileDown} delivered before the stop, ${(Date.now() - stoppedAt) / 1000} s from stop to all delivered, ` +
        `duplicates ${inbox.messages.length - texts().size}, db errors ${JSON.stringify(dbErrors)}, redelivered ${redelivered}\n`,
    );
    expect(Object.values(dbErrors).reduce((sum, v) => sum + v, 0)).toBeGreaterThan(0);
    expect(redelivered).toBe(0);
  });
});
