import { MqttClient } from 'mqtt';
import { Qos } from '@app/client';
import { TopicLayout } from '@app/protocol';
import { TokenIssuer } from '../tokens';
import { DeliverySink } from './delivery-sink';
import { openMqtt } from './mqtt-connection';
import { inBatches, PathDriver } from './path-driver';

export interface RawPathOptions {
  url: string;
  userIds: readonly string[];
  /** A prefix the engine does not consume, so the raw phase never reaches it. */
  layout: TopicLayout;
  tokens: TokenIssuer;
  qos: Qos;
  sink: DeliverySink;
}

interface RawBody {
  text?: unknown;
  client_message_id?: unknown;
}

/**
 * The broker alone, in the engine path's shape: one connection per user, each publishing to its
 * own outgoing topic and holding two subscriptions; each message reaches two subscribers, the
 * recipient (subscribed to what is published to them) and the sender (its own publish comes back,
 * standing in for the engine's confirmation copy). Same payload, same QoS, same client settings as
 * the SDK's mqtt.js transport, and the same JSON work per message on receipt.
 */
export class RawPath implements PathDriver {
  readonly name = 'raw';
  private readonly clients: MqttClient[] = [];

  constructor(private readonly o: RawPathOptions) {}

  async connect(): Promise<void> {
    await inBatches(this.o.userIds, 20, async (userId, index) => {
      const client = await openMqtt(this.o.url, {
        clientId: `${userId}~raw`,
        username: userId,
        password: await this.o.tokens.rawPathToken(userId, this.o.layout),
      });
      this.clients[index] = client;
      client.on('message', (topic, payload) => this.onMessage(index, userId, topic, payload));
      client.on('close', () => this.o.sink.disconnected(index));
      const { layout, qos } = this.o;
      await client.subscribeAsync([layout.outgoing('+', userId), layout.outgoing(userId, '+')], { qos });
    });
  }

  send(from: number, to: number, id: string, text: string): void {
    const body = JSON.stringify({ text, type: 'text', client_message_id: id });
    this.clients[from].publish(this.o.layout.outgoing(this.o.userIds[from], this.o.userIds[to]), body, { qos: this.o.qos });
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.endAsync(true)));
  }

  private onMessage(index: number, userId: string, topic: string, payload: Buffer): void {
    const at = performance.now();
    const parsed = this.o.layout.parse(topic);
    if (!parsed || parsed.kind !== 'outgoing') return;
    let body: RawBody;
    try {
      body = JSON.parse(payload.toString('utf8')) as RawBody;
    } catch {
      body = {};
    }
    const id = typeof body.client_message_id === 'string' ? body.client_message_id : undefined;
    const textLength = typeof body.text === 'string' ? body.text.length : -1;
    if (parsed.peer === userId) this.o.sink.delivered(index, id, textLength, at);
    else if (parsed.owner === userId) this.o.sink.confirmed(index, id, at);
  }
}
