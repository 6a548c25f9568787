import { readFileSync } from 'node:fs';
import { MqttClient } from 'mqtt';
import { RejectionCode } from '@app/protocol';
import { deadLetters, layout } from '../support/broker';
import { eventually, testDb } from '../support/database';
import { EngineProcess, startEngine } from '../support/engine';
import { closeAfterAll, stream } from '../support/stream';

/** Resident memory of a process in bytes, from the kernel's own accounting. */
function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb[1]) * 1024;
}

/** Sum of every sample of a metric family in a Prometheus text exposition. */
function metricSum(text: string, name: string): number {
  const line = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm');
  return [...text.matchAll(line)].reduce((sum, m) => sum + Number(m[1]), 0);
}

const MARKER = 'poison-body-marker';

describe('poison messages interleaved with valid ones', () => {
  const clients: MqttClient[] = [];
  let engine: EngineProcess | undefined;

  closeAfterAll(clients, () => engine);

  it('delivers every valid message, dead-letters every bad one with its reason, and returns to its memory baseline', async () => {
    const n = 1000;
    const { a, b, sender, inbox } = await stream('poison', clients);
    engine = await startEngine('poison', { MAX_PAYLOAD_BYTES: '2048' });

    const out = layout.outgoing(a, b);
    const bad: Array<[string, string, RejectionCode]> = [
      [out, `{not json ${MARKER}`, RejectionCode.INVALID_PAYLOAD],
      [out, JSON.stringify([MARKER]), RejectionCode.INVALID_PAYLOAD],
      [out, JSON.stringify({ text: 42, client_message_id: 'typed', note: MARKER }), RejectionCode.INVALID_PAYLOAD],
      [out, JSON.stringify({ text: MARKER.repeat(200) }), RejectionCode.PAYLOAD_TOO_LARGE],
      [`${layout.prefix}/${a}/x/y/messages/outgoing`, JSON.stringify({ text: MARKER }), RejectionCode.INVALID_TOPIC],
    ];
    const send = (i: number) => sender.publishAsync(out, JSON.stringify({ text: `v${i}`, client_message_id: `v${i}` }), { qos: 1 });

    // Warm up (JIT, caches, connection buffers) before taking the baseline.
    const warm = 50;
    await Promise.all(Array.from({ length: warm }, (_, i) => send(i)));
    await inbox.waitFor(warm, () => true, 30_000);
    await new Promise((r) => setTimeout(r, 2000));
    const baseline = rssBytes(engine.process.pid!);

    const started = Date.now();
    const expectedCodes = new Map<string, number>();
    const published: Promise<unknown>[] = [];
    for (let i = warm; i < warm + n; i++) {
      published.push(send(i));
      const [topic, body, code] = bad[i % bad.length];
      published.push(sender.publishAsync(topic, body, { qos: 1 }));
      expectedCodes.set(code, (expectedCodes.get(code) ?? 0) + 1);
    }
    await Promise.all(published);

    const total = warm + n;
    const texts = () => new Set(inbox.messages.map((m) => m.payload.text));
    await eventually(async () => texts().size >= total, 90_000, `${total} distinct messages`).catch(() => undefined);
    const missing = Array.from({ length: total }, (_, i) => `v${i}`).filter((t) => !texts().has(t));
    expect(missing).toEqual([]);
    const seconds = (Date.now() - started) / 1000;

    const dead = await deadLetters((key) => key.includes(`.${a}.`), n, 60_000);
    expect(dead).toHaveLength(n);
    const deadCodes = new Map<string, number>();
    for (const d of dead) {
      const code = String(d.headers['x-reject-code']);
      deadCodes.set(code, (deadCodes.get(code) ?? 0) + 1);
      expect(String(d.headers['x-reject-reason']).length).toBeGreaterThan(0);
    }
    expect(deadCodes).toEqual(expectedCodes);

    const db = await testDb();
    expect(await db.collection('messages').countDocuments({ sender: a })).toBe(total);

    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    expect(metricSum(metrics, 'engine_messages_delivered_total')).toBe(total);
    expect(metricSum(metrics, 'engine_messages_dead_lettered_total')).toBe(n);
    expect(metricSum(metrics, 'engine_messages_rejected_total')).toBe(n);
    expect(metrics).toMatch(/^engine_queue_messages\{queue="messaging-engine\.outgoing"\} \d+$/m);
    expect(metrics).toMatch(/^engine_queue_messages\{queue="messaging-engine\.dead-letter"\} \d+$/m);
    expect(metricSum(metrics, 'engine_pipeline_latency_seconds_count')).toBe(total);
    expect(metricSum(metrics, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    // One JSON line per refused message, naming code, sender and recipient, never the text.
    const log = readFileSync(engine.logFile, 'utf8').split('\n');
    const refused = log.filter((l) => l.includes('"message refused"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(refused.filter((r) => r.sender === a)).toHaveLength(n);
    expect(refused.every((r) => typeof r.code === 'string')).toBe(true);
    expect(log.filter((l) => l.includes(MARKER))).toEqual([]);

    await new Promise((r) => setTimeout(r, 3000));
    const after = rssBytes(engine.process.pid!);
    process.stdout.write(
      `poison: ${total} valid + ${n} bad in ${seconds.toFixed(1)} s; duplicates ${inbox.messages.length - total}; ` +
        `RSS ${(baseline / 2 ** 20).toFixed(0)} MB -> ${(after / 2 ** 20).toFixed(0)} MB\n`,
    );
    expect(after).toBeLessThan(Math.max(baseline + 40 * 2 ** 20, baseline * 1.25));
  });
});
