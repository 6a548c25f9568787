import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as amqpConnect, credentials, ChannelModel } from 'amqplib';
import jwt from 'jsonwebtoken';
import mqtt, { IClientOptions, MqttClient } from 'mqtt';
import { TopicLayout, userGrants } from '@app/protocol';
import { PATH_PREFIX, servers, TEST_JWT_KEY_ID, TEST_JWT_SECRET } from './test-env';

export const layout = new TopicLayout(PATH_PREFIX);
const AUDIENCE = 'rabbitmq';

/** A unique user id for one test (tests share the broker and database). */
export function uid(name: string): string {
  return `${name}-${randomBytes(4).toString('hex')}`;
}

export function signToken(claims: Record<string, unknown>, options: { secret?: string; kid?: string; ttl?: number } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ aud: [AUDIENCE], iat: now, exp: now + (options.ttl ?? 600), ...claims }, options.secret ?? TEST_JWT_SECRET, {
    algorithm: 'HS256',
    keyid: options.kid ?? TEST_JWT_KEY_ID,
  });
}

/** A least-privilege user token, as the engine issues them. */
export function userToken(userId: string): string {
  return signToken({ sub: userId, scope: userGrants(layout, userId, AUDIENCE).scopes });
}

/** A token with every permission, for the management API (AMQP takes no token: amqpAdmin). */
export function adminToken(): string {
  return signToken({
    sub: 'e2e-admin',
    scope: [`${AUDIENCE}.configure:*/*`, `${AUDIENCE}.write:*/*/*`, `${AUDIENCE}.read:*/*/*`, `${AUDIENCE}.tag:administrator`],
  });
}

/**
 * An AMQP connection for test set-up and inspection, logged in as the engine's broker user: AMQP is
 * TLS only and takes only the client certificates of the stack's CA (SASL EXTERNAL).
 */
export function amqpAdmin(): Promise<ChannelModel> {
  const { caFile, certFile, keyFile } = servers.amqpTls;
  return amqpConnect(
    { protocol: 'amqps', hostname: servers.amqpHost, port: servers.amqpPort },
    {
      ca: readFileSync(caFile),
      cert: readFileSync(certFile),
      key: readFileSync(keyFile),
      credentials: credentials.external(),
      // The broker's certificate names localhost too; an IP address as SNI is deprecated in Node.
      servername: 'localhost',
      clientProperties: { connection_name: 'e2e amqpAdmin' },
    },
  );
}

/** Connects an MQTT client as the user (client id `<user>~<device>`), no auto-reconnect. */
export async function mqttConnect(userId: string, options: Partial<IClientOptions> = {}): Promise<MqttClient> {
  const client = mqtt.connect(servers.mqttUrl, {
    username: userId,
    password: userToken(userId),
    clientId: `${userId}~${randomBytes(3).toString('hex')}`,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    ...options,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
  return client;
}

/**
 * Connects over MQTT with a token as the password (no auto-reconnect); resolves with the client,
 * or rejects with the CONNACK refusal (its `code`: 4 bad token, 5 not authorised).
 */
export function mqttConnectWithToken(url: string, token: string, clientId: string): Promise<MqttClient> {
  const client = mqtt.connect(url, { username: 'ignored', password: token, clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

export interface InboxMessage {
  topic: string;
  payload: Record<string, unknown>;
  qos: number;
}

export interface Inbox {
  messages: InboxMessage[];
  /** Resolves when at least n messages matched (default: all), or rejects after timeoutMs. */
  waitFor(n: number, filter?: (m: InboxMessage) => boolean, timeoutMs?: number): Promise<InboxMessage[]>;
}

/** Subscribes to the user's whole inbox and collects what arrives. */
export async function collectInbox(client: MqttClient, userId: string, qos: 0 | 1 = 1): Promise<Inbox> {
  const messages: Inbox['messages'] = [];
  client.on('message', (topic, payload, packet) => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(payload.toString());
    } catch {
      parsed = { raw: payload.toString() };
    }
    messages.push({ topic, payload: parsed, qos: packet.qos });
  });
  await client.subscribeAsync(layout.inbox(userId), { qos });
  return {
    messages,
    async waitFor(n, filter = () => true, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hits = messages.filter(filter);
        if (hits.length >= n) return hits;
        if (Date.now() > deadline) {
          throw new Error(`expected ${n} messages, got ${hits.length} (inbox has ${messages.length})`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

export interface DeadLetter {
  routingKey: string;
  headers: Record<string, unknown>;
  body: string;
}

/**
 * Takes (and acks) the dead-lettered messages whose original routing key matches, waiting until
 * `expected` have been seen; the others go back to the queue untouched.
 */
export async function deadLetters(match: (routingKey: string) => boolean, expected: number, timeoutMs = 15_000): Promise<DeadLetter[]> {
  const conn = await amqpAdmin();
  const ch = await conn.createChannel();
  const found: DeadLetter[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    while (found.length < expected && Date.now() < deadline) {
      const msg = await ch.get('messaging-engine.dead-letter', { noAck: false });
      if (!msg) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
      const key = String(headers['x-original-routing-key'] ?? msg.fields.routingKey);
      if (match(key)) {
        found.push({ routingKey: key, headers, body: msg.content.toString() });
        ch.ack(msg);
      }
      // Others stay unacked until the channel closes, so get() moves on past them; then they return to the queue.
    }
  } finally {
    await conn.close();
  }
  return found;
}
