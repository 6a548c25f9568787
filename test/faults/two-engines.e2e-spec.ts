import { MqttClient } from 'mqtt';
import { layout } from '../support/broker';
import { closeTestDb, eventually, testDb } from '../support/database';
import { EngineProcess, startEngine } from '../support/engine';
import { stream } from '../support/stream';

describe('two engines on one queue, one killed', () => {
  const clients: MqttClient[] = [];
  const engines: EngineProcess[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
    await Promise.all(engines.map((e) => e.stop()));
    await closeTestDb();
  });

  it('keeps delivering on the survivor and loses nothing', async () => {
    const n = 2000;
    const { a, b, sender, inbox } = await stream('pair', clients);
    engines.push(await startEngine('pair-1'), await startEngine('pair-2'));

    const published: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      published.push(sender.publishAsync(layout.outgoing(a, b), JSON.stringify({ text: `p${i}`, client_message_id: `p${i}` }), { qos: 1 }));
    }
    await inbox.waitFor(1, () => true, 20_000);
    await engines[0].kill();
    const deliveredAtKill = new Set(inbox.messages.map((m) => m.payload.text)).size;
    await Promise.all(published);

    const texts = () => new Set(inbox.messages.map((m) => m.payload.text));
    await eventually(async () => texts().size >= n, 90_000, `${n} distinct messages`).catch(() => undefined);
    expect(Array.from({ length: n }, (_, i) => `p${i}`).filter((t) => !texts().has(t))).toEqual([]);
    const idsByText = new Map<unknown, Set<unknown>>();
    for (const m of inbox.messages) idsByText.set(m.payload.text, (idsByText.get(m.payload.text) ?? new Set()).add(m.payload.message_id));
    expect([...idsByText.values()].filter((ids) => ids.size > 1)).toEqual([]);
    const db = await testDb();
    expect(await db.collection('messages').countDocuments({ sender: a })).toBe(n);
    expect(deliveredAtKill).toBeLessThan(n);
    process.stdout.write(`two engines: ${n} messages, ${deliveredAtKill} delivered at the kill; duplicates ${inbox.messages.length - texts().size}\n`);
  });
});
