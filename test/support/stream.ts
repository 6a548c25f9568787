import { MqttClient } from 'mqtt';
import { collectInbox, Inbox, mqttConnect, uid } from './broker';
import { closeTestDb } from './database';
import { EngineProcess } from './engine';

export interface Stream {
  /** The sender's and the recipient's user ids. */
  a: string;
  b: string;
  sender: MqttClient;
  /** The recipient's inbox, on a persistent session (clean=false, QoS 1): nothing is lost while it is away. */
  inbox: Inbox;
}

/**
 * Two users for a fault test's stream of messages: a sender, and a recipient whose persistent
 * session keeps what arrives while the engine is down. Both clients are added to `clients`, for
 * the test file to end them.
 */
export async function stream(name: string, clients: MqttClient[], receiverOptions: { reconnectPeriod?: number } = {}): Promise<Stream> {
  const a = uid(`${name}-a`);
  const b = uid(`${name}-b`);
  const sender = await mqttConnect(a);
  const receiver = await mqttConnect(b, { clean: false, clientId: `${b}~persistent`, ...receiverOptions });
  clients.push(sender, receiver);
  return { a, b, sender, inbox: await collectInbox(receiver, b, 1) };
}

/** After the test file: ends its clients, stops its engine (SIGTERM) and closes its database handle. */
export function closeAfterAll(clients: MqttClient[], engine: () => EngineProcess | undefined): void {
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
    await engine()?.stop();
    await closeTestDb();
  });
}
