import { readFileSync } from 'node:fs';
import { MqttClient } from 'mqtt';
import { collectInbox, layout, mqttConnect, uid } from '../support/broker';
import { closeTestDb, eventually, testDb } from '../support/database';
import { EngineProcess, startEngine, waitForStatus } from '../support/engine';
import { stack } from '../support/stack';
import { servers } from '../support/test-env';

(servers.external.broker ? describe.skip : describe)('broker node restarted', () => {
  const clients: MqttClient[] = [];
  let engine: EngineProcess | undefined;

  afterAll(async () => {
    await stack('start', 'rabbitmq');
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await engine?.stop();
    await closeTestDb();
  });

  it('reconnects with one log line per attempt, is not ready meanwhile, and resumes without losing a message', async () => {
    const half = 500;
    const a = uid('brk-a');
    const b = uid('brk-b');
    // Both clients reconnect by themselves; the receiver keeps a persistent QoS 1 session.
    const sender = await mqttConnect(a, { reconnectPeriod: 1000 });
    const receiver = await mqttConnect(b, { clean: false, clientId: `${b}~persistent`, reconnectPeriod: 1000 });
    clients.push(sender, receiver);
    const inbox = await collectInbox(receiver, b, 1);
    engine = await startEngine('broker-restart');
    const send = (i: number) => sender.publishAsync(layout.outgoing(a, b), JSON.stringify({ text: `r${i}`, client_message_id: `r${i}` }), { qos: 1 });

    await Promise.all(Array.from({ length: half }, (_, i) => send(i)));
    await stack('stop', 'rabbitmq');
    const down = (await waitForStatus(`${engine.url}/health/ready`, 503, 20_000)) as Record<string, any>;
    expect(down.details.broker.status).toBe('down');
    await stack('start', 'rabbitmq');
    await waitForStatus(`${engine.url}/health/ready`, 200, 60_000);
    await eventually(async () => sender.connected && receiver.connected, 30_000, 'MQTT clients reconnected');
    await Promise.all(Array.from({ length: half }, (_, i) => send(half + i)));

    const n = 2 * half;
    const texts = () => new Set(inbox.messages.map((m) => m.payload.text));
    await eventually(async () => texts().size >= n, 60_000, `${n} distinct messages`).catch(() => undefined);
    expect(Array.from({ length: n }, (_, i) => `r${i}`).filter((t) => !texts().has(t))).toEqual([]);
    const db = await testDb();
    expect(await db.collection('messages').countDocuments({ sender: a })).toBe(n);

    const lines = readFileSync(engine.logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const msgs = (text: string) => lines.filter((l) => l.msg === text);
    expect(msgs('broker connection down').length).toBeGreaterThanOrEqual(2); // consumer and publisher
    expect(msgs('broker connection up').length).toBeGreaterThanOrEqual(4);
    const attempts = msgs('broker connection attempt failed; retrying');
    expect(attempts.length).toBeGreaterThan(0);
    for (const line of attempts) expect(line).toMatchObject({ attempt: expect.any(Number), retryInMs: expect.any(Number) });
    process.stdout.write(`broker restart: ${n} messages, ${attempts.length} logged reconnect attempts; duplicates ${inbox.messages.length - texts().size}\n`);
  });
});
