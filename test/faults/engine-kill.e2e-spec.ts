import { MqttClient } from 'mqtt';
import { layout } from '../support/broker';
import { eventually, testDb } from '../support/database';
import { EngineProcess, startEngine } from '../support/engine';
import { closeAfterAll, stream } from '../support/stream';

describe('engine killed mid-stream', () => {
  const clients: MqttClient[] = [];
  let engine: EngineProcess | undefined;

  closeAfterAll(clients, () => engine);

  it('loses none of 2,000 QoS 1 messages when the engine is killed (SIGKILL) and restarted', async () => {
    const n = 2000;
    const { a, b, sender, inbox } = await stream('kill', clients);

    engine = await startEngine('kill-1');
    const published: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      published.push(sender.publishAsync(layout.outgoing(a, b), JSON.stringify({ text: `k${i}`, client_message_id: `k${i}` }), { qos: 1 }));
      if (i === 600) {
        // Kill while messages are in flight inside the engine (stored but not yet acked, or not yet stored).
        await inbox.waitFor(1, () => true, 20_000);
        await engine.kill();
      }
    }
    await Promise.all(published); // every one was accepted by the broker (PUBACK)
    const deliveredBeforeKill = new Set(inbox.messages.map((m) => m.payload.text)).size;
    expect(deliveredBeforeKill).toBeLessThan(n); // the kill really happened mid-stream

    engine = await startEngine('kill-2');
    // Duplicates (at least once) count toward inbox.messages: wait for n distinct texts.
    const distinctTexts = () => new Set(inbox.messages.map((m) => m.payload.text));
    await eventually(async () => distinctTexts().size >= n, 90_000, `${n} distinct messages`).catch(() => undefined);
    const all = inbox.messages;
    const distinct = distinctTexts();
    const missing = Array.from({ length: n }, (_, i) => `k${i}`).filter((t) => !distinct.has(t));
    expect(missing).toEqual([]);
    // At least once, deduped by message_id: one id per client_message_id.
    const idsByText = new Map<unknown, Set<unknown>>();
    for (const m of all) idsByText.set(m.payload.text, (idsByText.get(m.payload.text) ?? new Set()).add(m.payload.message_id));
    expect([...idsByText.values()].filter((ids) => ids.size > 1)).toEqual([]);

    const db = await testDb();
    expect(await db.collection('messages').countDocuments({ sender: a })).toBe(n);
  });
});
