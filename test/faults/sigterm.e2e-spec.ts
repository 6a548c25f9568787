import { MqttClient } from 'mqtt';
import { layout } from '../support/broker';
import { eventually, testDb } from '../support/database';
import { EngineProcess, startEngine } from '../support/engine';
import { closeAfterAll, stream } from '../support/stream';

describe('SIGTERM during a stream', () => {
  const clients: MqttClient[] = [];
  let engine: EngineProcess | undefined;

  closeAfterAll(clients, () => engine);

  it('finishes and acks in-flight messages, exits 0 within 10 s, and leaves the rest to the next engine with no redelivery', async () => {
    const n = 2000;
    const { a, b, sender, inbox } = await stream('term', clients);
    // A prefetch well under n, so the first engine cannot have taken every message when it stops.
    engine = await startEngine('sigterm-1', { AMQP_PREFETCH: '200' });

    const published: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      published.push(sender.publishAsync(layout.outgoing(a, b), JSON.stringify({ text: `t${i}`, client_message_id: `t${i}` }), { qos: 1 }));
    }
    await inbox.waitFor(1, () => true, 20_000);
    const termAt = Date.now();
    const code = await engine.stop();
    const exitMs = Date.now() - termAt;
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(10_000);
    await Promise.all(published);
    const deliveredByFirst = new Set(inbox.messages.map((m) => m.payload.text)).size;
    expect(deliveredByFirst).toBeLessThan(n); // the rest waits in the queue for the next engine

    engine = await startEngine('sigterm-2');
    const texts = () => new Set(inbox.messages.map((m) => m.payload.text));
    await eventually(async () => texts().size >= n, 90_000, `${n} distinct messages`).catch(() => undefined);
    expect(Array.from({ length: n }, (_, i) => `t${i}`).filter((t) => !texts().has(t))).toEqual([]);
    const db = await testDb();
    expect(await db.collection('messages').countDocuments({ sender: a })).toBe(n);
    // A clean stop acks everything it processed before it lets go of the channel: the next engine
    // gets none of those messages again (redelivered flag) and nobody receives one twice.
    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    const redelivered = Number(/^engine_messages_redelivered_total (\S+)$/m.exec(metrics)?.[1]);
    const duplicates = inbox.messages.length - texts().size;
    process.stdout.write(
      `sigterm: ${n} messages, first engine delivered ${deliveredByFirst} and exited 0 in ${exitMs} ms; ` +
        `redelivered to the next engine ${redelivered}, duplicates ${duplicates}\n`,
    );
    expect(redelivered).toBe(0);
    expect(duplicates).toBe(0);
  });
});
