import { MqttClient } from 'mqtt';
import { RejectionCode } from '@app/protocol';
import { brokerMaxMessageBytes } from '../src/config';
import { AdminApi, adminApi } from './support/admin-api';
import { collectInbox, layout, mqttConnect, uid } from './support/broker';
import { closeTestDb, eventually } from './support/database';
import { EngineProcess, startEngine } from './support/engine';

/** The test stack's broker is rendered with the default MAX_PAYLOAD_BYTES (scripts/broker-config.js). */
const LIMIT = brokerMaxMessageBytes(65536);

describe("the broker's maximum message size", () => {
  const clients: MqttClient[] = [];
  let engine: EngineProcess;
  let api: AdminApi;

  beforeAll(async () => {
    engine = await startEngine('broker-message-size');
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    clients.forEach((c) => c.end(true));
    await engine?.stop();
    await closeTestDb();
  });

  async function metrics(): Promise<string> {
    return (await fetch(`${engine.url}/metrics`)).text();
  }
  const count = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  const received = (text: string) => count(text, /^engine_messages_received_total\{kind="outgoing"\} (\d+)$/m);
  const tooLarge = (text: string) => count(text, /^engine_messages_dead_lettered_total\{code="PAYLOAD_TOO_LARGE"\} (\d+)$/m);
  const depth = async () => (await api.get('dead-letters?limit=1')).body.count as number;

  /** Publishes and reports what the client saw within the wait: the PUBACK (QoS 1), the connection closing. */
  async function attempt(client: MqttClient, topic: string, bytes: number, qos: 0 | 1, waitMs: number) {
    const seen = { acked: false, closed: false };
    client.once('close', () => (seen.closed = true));
    client.publish(topic, Buffer.alloc(bytes, 0x61), { qos }, (err) => (seen.acked = !err));
    await new Promise((r) => setTimeout(r, waitMs));
    return seen;
  }

  it('refuses a larger MQTT publish at the broker: never acknowledged, nothing reaches the engine or the dead-letter queue', async () => {
    const a = uid('big-a');
    const b = uid('big-b');
    expect((await api.delete('dead-letters')).status).toBe(200); // so the one dead letter expected is easy to find
    const before = await metrics();
    const depthBefore = await depth();

    // One byte over: QoS 1 gets no PUBACK (the broker's channel for that connection is closed);
    // QoS 0 believes it sent, and the broker closes its connection.
    const qos1 = await mqttConnect(a);
    const qos0 = await mqttConnect(a);
    clients.push(qos1, qos0);
    expect(await attempt(qos1, layout.outgoing(a, b), LIMIT + 1, 1, 3000)).toMatchObject({ acked: false });
    expect(await attempt(qos0, layout.outgoing(a, b), LIMIT + 1, 0, 1000)).toEqual({ acked: true, closed: true });

    // At the limit: the broker takes it; the engine refuses it (larger than MAX_PAYLOAD_BYTES), tells the sender, dead-letters it.
    const sender = await mqttConnect(a);
    clients.push(sender);
    const notices = await collectInbox(sender, a);
    expect(await attempt(sender, layout.outgoing(a, b), LIMIT, 1, 0)).toBeDefined();
    await notices.waitFor(1, (m) => m.payload.code === RejectionCode.PAYLOAD_TOO_LARGE, 15_000);

    // The engine still delivers, and saw only the two it could: the one at the limit and this one.
    const receiver = await mqttConnect(b);
    clients.push(receiver);
    const inbox = await collectInbox(receiver, b);
    await sender.publishAsync(layout.outgoing(a, b), JSON.stringify({ text: 'after the large ones', client_message_id: 'after' }), { qos: 1 });
    await inbox.waitFor(1, (m) => m.payload.client_message_id === 'after', 15_000);
    const after = await metrics();
    expect(received(after) - received(before)).toBe(2);
    expect(tooLarge(after) - tooLarge(before)).toBe(1);
    await eventually(async () => (await depth()) === depthBefore + 1, 10_000, 'one dead letter more');
    const [last] = (await api.get('dead-letters?limit=100')).body.messages.slice(-1);
    expect(last).toMatchObject({ code: RejectionCode.PAYLOAD_TOO_LARGE, sender: a, payload_bytes: LIMIT });
  });
});
