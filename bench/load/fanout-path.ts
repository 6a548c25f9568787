import { MqttClient } from 'mqtt';
import { Qos } from '@app/client';
import { DeliveredMessage, RejectedMessage, TopicLayout } from '@app/protocol';
import { PathName } from '../config/bench-config';
import { TokenIssuer } from '../tokens';
import { FanoutSink, GroupShape, senderOf } from './fanout-tracker';
import { openMqtt } from './mqtt-connection';
import { inBatches } from './path-driver';

/** What a member makes of one received publish. */
export type FanoutCopy = { kind: 'copy'; id: string | undefined; textLength: number } | { kind: 'rejected'; id: string | undefined; code: string } | null;

/** How one path carries a group message: the member's login, subscriptions and publish topic, and how it reads a copy. */
export interface FanoutWire {
  readonly path: PathName;
  password(userId: string, groupId: string): Promise<string>;
  clientId(userId: string): string;
  subscriptions(userId: string, groupId: string, isSender: boolean): string[];
  publishTopic(userId: string, groupId: string): string;
  read(topic: string, payload: Buffer): FanoutCopy;
}

function json(payload: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(payload.toString('utf8'));
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function copyOf(body: Record<string, unknown>): FanoutCopy {
  return {
    kind: 'copy',
    id: typeof body.client_message_id === 'string' ? body.client_message_id : undefined,
    textLength: typeof body.text === 'string' ? body.text.length : -1,
  };
}

/**
 * The broker alone: a group is one shared topic (the group's outgoing topic under the raw prefix,
 * `{prefix}-raw/{sender}/{groupId}/messages/outgoing`) that every member subscribes to, the sender
 * included, so one publish reaches all M members as the engine's fan-out does.
 */
export function rawFanoutWire(layout: TopicLayout, tokens: TokenIssuer): FanoutWire {
  return {
    path: 'raw',
    password: (userId, groupId) => tokens.rawGroupToken(userId, layout, groupId),
    clientId: (userId) => `${userId}~raw`,
    subscriptions: (_userId, groupId) => [layout.outgoing('+', groupId)],
    publishTopic: (userId, groupId) => layout.outgoing(userId, groupId),
    read: (topic, payload) => (layout.parse(topic)?.kind === 'outgoing' ? copyOf(json(payload)) : null),
  };
}

/**
 * The engine (docs/groups.md): a member publishes to `{prefix}/{me}/{groupId}/messages/outgoing`
 * with the user's own token; every member, the sender included, gets a copy on
 * `{prefix}/{member}/{groupId}/messages/clientadded`; a refusal comes to the sender on
 * `clientrejected`. System messages (membership events) are not the load and are skipped.
 */
export function engineFanoutWire(layout: TopicLayout, tokens: TokenIssuer): FanoutWire {
  return {
    path: 'engine',
    password: (userId) => tokens.userToken(userId),
    clientId: (userId) => `${userId}~bench`,
    subscriptions: (userId, groupId, isSender) => [layout.clientAdded(userId, groupId), ...(isSender ? [layout.clientRejected(userId, groupId)] : [])],
    publishTopic: (userId, groupId) => layout.outgoing(userId, groupId),
    read: (topic, payload) => {
      const kind = layout.parse(topic)?.kind;
      if (kind === 'clientadded') {
        const body = json(payload) as Partial<DeliveredMessage>;
        return body.type === 'system' ? null : copyOf(body);
      }
      if (kind === 'clientrejected') {
        const body = json(payload) as Partial<RejectedMessage>;
        return { kind: 'rejected', id: body.client_message_id, code: typeof body.code === 'string' ? body.code : 'UNREADABLE' };
      }
      return null;
    },
  };
}

export interface FanoutMembersOptions {
  url: string;
  wire: FanoutWire;
  shape: GroupShape;
  /** groupIds[g] is group g's id; userIds[g * members + m] its member m (member 0 sends). */
  groupIds: readonly string[];
  userIds: readonly string[];
  qos: Qos;
  /** Connections opened at a time (a thousand at once is a stampede). */
  connectConcurrency: number;
  sink: FanoutSink;
}

/** Every member of a set of groups, one MQTT connection each, as real members are. */
export class FanoutMembers {
  /** Where copies are counted: the current trial's tracker. */
  sink: FanoutSink;
  private readonly clients: MqttClient[] = [];

  constructor(private readonly o: FanoutMembersOptions) {
    if (o.userIds.length !== o.shape.groups * o.shape.members || o.groupIds.length !== o.shape.groups) {
      throw new Error(`fan-out members: ${o.shape.groups} groups of ${o.shape.members} need as many ids`);
    }
    this.sink = o.sink;
  }

  get path(): PathName {
    return this.o.wire.path;
  }

  get shape(): GroupShape {
    return this.o.shape;
  }

  async connect(): Promise<void> {
    const { wire, shape, qos } = this.o;
    await inBatches(this.o.userIds, this.o.connectConcurrency, async (userId, index) => {
      const group = Math.floor(index / shape.members);
      const groupId = this.o.groupIds[group];
      const client = await openMqtt(this.o.url, { clientId: wire.clientId(userId), username: userId, password: await wire.password(userId, groupId) });
      this.clients[index] = client;
      client.on('message', (topic, payload) => this.onMessage(index, topic, payload));
      client.on('close', () => this.sink.disconnected(index));
      await client.subscribeAsync(wire.subscriptions(userId, groupId, index === senderOf(shape, group)), { qos });
    });
  }

  /** Publishes a message from group `group`'s sender to the group. */
  send(group: number, body: string): void {
    const sender = senderOf(this.o.shape, group);
    this.clients[sender].publish(this.o.wire.publishTopic(this.o.userIds[sender], this.o.groupIds[group]), body, { qos: this.o.qos });
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.endAsync(true)));
  }

  private onMessage(index: number, topic: string, payload: Buffer): void {
    const at = performance.now();
    const copy = this.o.wire.read(topic, payload);
    if (copy?.kind === 'copy') this.sink.delivered(index, copy.id, copy.textLength, at);
    else if (copy?.kind === 'rejected') this.sink.rejected(index, copy.id, copy.code);
  }
}
