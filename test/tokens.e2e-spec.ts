import { connect as amqpConnect, ChannelModel } from 'amqplib';
import jwt from 'jsonwebtoken';
import { MqttClient } from 'mqtt';
import { AdminApi, adminApi } from './support/admin-api';
import { adminToken, amqpAdmin, layout, mqttConnectWithToken, signToken, uid } from './support/broker';
import { closeTestDb } from './support/database';
import { EngineProcess, startEngine } from './support/engine';
import { servers } from './support/test-env';

interface Issued {
  token: string;
  client_id_prefix: string;
  publish: string[];
  subscribe: string[];
}

/** Connects over MQTT to the test broker; resolves with the client, or rejects with the CONNACK refusal. */
const connectWith = (token: string, clientId: string) => mqttConnectWithToken(servers.mqttUrl, token, clientId);

/** The broker answers a denied SUBSCRIBE or PUBLISH by closing the connection (no SUBACK/PUBACK). */
function closedBy(client: MqttClient, action: () => void): Promise<'closed' | 'still open'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still open'), 3000);
    client.once('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    action();
  });
}

/** Runs one AMQP operation as the user; resolves with the channel error's code, or 'ok'. */
async function amqpAttempt(userId: string, token: string, op: (ch: Awaited<ReturnType<ChannelModel['createChannel']>>) => Promise<unknown>): Promise<number | 'ok'> {
  const conn = await amqpConnect({ protocol: 'amqp', hostname: servers.amqpHost, port: servers.amqpPort, username: userId, password: token });
  conn.on('error', () => undefined);
  try {
    const ch = await conn.createChannel();
    const closed = new Promise<number>((resolve) => ch.on('error', (err: { code: number }) => resolve(err.code)));
    try {
      await op(ch);
      // A publish is refused asynchronously: give the broker time to close the channel.
      return await Promise.race([closed, new Promise<'ok'>((r) => setTimeout(() => r('ok'), 500))]);
    } catch {
      return await closed;
    }
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/**
 * The management API lists a connection only after its next statistics aggregation (every second
 * on the local stack: scripts/broker-config.js): wait until it lists this very client, so the test
 * measures the disconnect itself and not an older connection of the same user.
 */
async function listedByManagement(clientId: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  const auth = { authorization: `Bearer ${adminToken()}` };
  while (Date.now() < deadline) {
    const rows = (await (await fetch(`${servers.managementUrl}/api/connections?columns=client_properties`, { headers: auth })).json()) as Array<{
      client_properties?: { client_id?: string };
    }>;
    if (rows.some((r) => r.client_properties?.client_id === clientId)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`connection ${clientId} not listed by the management API`);
}

describe('broker tokens: issuance and least privilege against the real broker', () => {
  let engine: EngineProcess;
  let api: AdminApi;
  const clients: MqttClient[] = [];
  const alice = uid('alice');
  const bob = uid('bob');
  let aliceToken: Issued;
  let bobToken: Issued;

  const issue = async (userId: string, body: object = {}) => api.post(`users/${userId}/tokens`, body);
  const connectAs = async (userId: string, issued: Issued, device = 'phone') => {
    const client = await connectWith(issued.token, `${issued.client_id_prefix}${device}-${Date.now()}`);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    engine = await startEngine('tokens', { TOKEN_TTL_SECONDS: '1800', TOKEN_MAX_TTL_SECONDS: '7200' });
    api = adminApi(engine.url);
    for (const id of [alice, bob]) expect((await api.put(`users/${id}`, { display_name: id })).status).toBe(201);
    aliceToken = (await issue(alice)).body;
    bobToken = (await issue(bob)).body;
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await engine?.stop();
    await closeTestDb();
  });

  it('issues a least-privilege token with its expiry, URLs, client id prefix and topics', async () => {
    const before = Date.now();
    const res = await issue(alice, { ttl_seconds: 120 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      token: expect.any(String),
      expires_at: expect.any(Number),
      expires_in: 120,
      mqtt_urls: [servers.mqttUrl],
      client_id_prefix: `${alice}~`,
      publish: [layout.outgoing(alice, '+'), layout.blockCommand(alice, '+')],
      subscribe: [layout.inbox(alice)],
    });
    expect(res.body.expires_at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 120_000);
    const decoded = jwt.decode(res.body.token, { complete: true })!;
    expect(decoded.header).toMatchObject({ alg: 'HS256', kid: 'e2e-1' });
    expect(decoded.payload).toMatchObject({ sub: alice, aud: ['rabbitmq'] });
  });

  it('refuses unknown and disabled users and a ttl above TOKEN_MAX_TTL_SECONDS', async () => {
    expect((await issue(uid('nobody'))).body.code).toBe('USER_NOT_FOUND');
    const carol = uid('carol');
    await api.put(`users/${carol}`, { display_name: 'Carol' });
    await api.put(`users/${carol}/status`, { disabled: true, reason: 'test' });
    const disabled = await issue(carol);
    expect([disabled.status, disabled.body.code]).toEqual([409, 'USER_DISABLED']);
    const tooLong = await issue(alice, { ttl_seconds: 7200 + 1 });
    expect([tooLong.status, tooLong.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(tooLong.body.message).toMatch(/at most 7200 \(TOKEN_MAX_TTL_SECONDS\)/);
    expect((await issue(alice, { ttl_seconds: 7200 })).status).toBe(201);
  });

  it('gives a token TOKEN_TTL_SECONDS of life when the request names none', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await issue(alice);
    expect([res.status, res.body.expires_in]).toEqual([201, 1800]);
    const lifetime = (jwt.decode(res.body.token) as { exp: number }).exp - before;
    expect(lifetime).toBeGreaterThanOrEqual(1800);
    expect(lifetime).toBeLessThanOrEqual(1802);
  });

  it("lets A publish on A's outgoing path and read A's inbox: B's message reaches A", async () => {
    const a = await connectAs(alice, aliceToken);
    const got = new Promise<string>((resolve) => a.on('message', (topic) => resolve(topic)));
    await a.subscribeAsync(layout.inbox(alice), { qos: 1 });
    const b = await connectAs(bob, bobToken);
    await b.publishAsync(layout.outgoing(bob, alice), JSON.stringify({ text: 'hi', client_message_id: 'm1' }), { qos: 1 });
    expect(await got).toBe(layout.clientAdded(alice, bob));
    await a.publishAsync(layout.outgoing(alice, bob), JSON.stringify({ text: 'back', client_message_id: 'm2' }), { qos: 1 });
  });

  it.each([
    ["subscribe to B's inbox", (c: MqttClient) => c.subscribe(layout.inbox(bob), { qos: 1 })],
    ['subscribe to #', (c: MqttClient) => c.subscribe('#', { qos: 0 })],
    ['subscribe to every user', (c: MqttClient) => c.subscribe(`${layout.prefix}/+/#`, { qos: 0 })],
    ['publish as B', (c: MqttClient) => c.publish(layout.outgoing(bob, alice), '{}', { qos: 1 })],
    ["publish into B's clientadded", (c: MqttClient) => c.publish(layout.clientAdded(bob, alice), '{}', { qos: 1 })],
    ["publish into A's own clientadded", (c: MqttClient) => c.publish(layout.clientAdded(alice, bob), '{}', { qos: 1 })],
  ])("refuses A's token to %s (the broker closes the connection)", async (_name, action) => {
    const a = await connectAs(alice, aliceToken);
    expect(await closedBy(a, () => action(a))).toBe('closed');
  });

  // The broker checks the client id only when the client declares its subscription queue, so
  // the CONNECT succeeds and the first SUBSCRIBE closes the connection. (The engine's guard also
  // closes such a connection a few milliseconds after CONNECT: test/connections.e2e-spec.ts.)
  it.each([
    ["B's client id", `${bob}~phone`],
    ['a client id without the separator', `${alice}phone`],
  ])("refuses A's token with %s at the first subscription", async (_name, clientId) => {
    const a = await connectWith(aliceToken.token, clientId);
    clients.push(a);
    expect(await closedBy(a, () => a.subscribe(layout.inbox(alice), { qos: 1 }))).toBe('closed');
  });

  it.each([
    ['expired', () => signToken({ sub: alice, scope: ['rabbitmq.read:*/*'] }, { ttl: -60 })],
    ['wrongly signed', () => signToken({ sub: alice, scope: ['rabbitmq.read:*/*'] }, { secret: 'another-secret-of-at-least-32-chars!!' })],
    ['unknown kid', () => signToken({ sub: alice, scope: ['rabbitmq.read:*/*'] }, { kid: 'nope' })],
    ['wrong audience', () => signToken({ sub: alice, scope: ['rabbitmq.read:*/*'], aud: ['other'] })],
    ['alg=none', () => jwt.sign({ sub: alice, aud: ['rabbitmq'], scope: ['rabbitmq.read:*/*'] }, '', { algorithm: 'none' })],
    ['garbage', () => 'not-a-jwt'],
  ])('gives a CONNACK refusal to a %s token', async (_name, make) => {
    await expect(connectWith(make(), `${alice}~x`)).rejects.toThrow(/Bad username or password|Not authorized/i);
  });

  describe('over AMQP the same token gives no more', () => {
    let admin: ChannelModel;
    const bobQueue = `mqtt-subscription-${bob}~xqos1`;

    beforeAll(async () => {
      admin = await amqpAdmin();
      const ch = await admin.createChannel();
      await ch.assertQueue(bobQueue, { durable: true });
    });
    afterAll(async () => {
      const ch = await admin.createChannel();
      await ch.deleteQueue(bobQueue);
      await admin.close();
    });

    it.each([
      ["consume from B's queue", (ch: any) => ch.consume(bobQueue, () => undefined)],
      ["delete B's queue", (ch: any) => ch.deleteQueue(bobQueue)],
      ["purge B's queue", (ch: any) => ch.purgeQueue(bobQueue)],
      ["bind B's queue to everything", (ch: any) => ch.bindQueue(bobQueue, 'amq.topic', '#')],
      ['bind its own queue to everything', async (ch: any) => {
        await ch.assertQueue(`mqtt-subscription-${alice}~amqp`, { autoDelete: true });
        await ch.bindQueue(`mqtt-subscription-${alice}~amqp`, 'amq.topic', '#');
      }],
      ["publish into B's inbox", (ch: any) => ch.publish('amq.topic', layout.clientAdded(bob, alice).replace(/\//g, '.'), Buffer.from('{}'))],
      ["publish into A's own inbox", (ch: any) => ch.publish('amq.topic', layout.clientAdded(alice, bob).replace(/\//g, '.'), Buffer.from('{}'))],
    ])('refuses A to %s (403 ACCESS_REFUSED)', async (_name, op) => {
      expect(await amqpAttempt(alice, aliceToken.token, op)).toBe(403);
    });

    // KNOWN HOLE (docs/tokens.md): scopes cannot tell a queue from an exchange of the same name, so
    // A may declare a fanout exchange named like A's queues and bind amq.topic behind it; topic
    // permissions are only checked on the exchange published to. Fails (turns red) once it is closed.
    it.failing('refuses A to route around topic permissions through an exchange of its own', async () => {
      const own = `mqtt-subscription-${alice}~fanout`;
      const result = await amqpAttempt(alice, aliceToken.token, async (ch: any) => {
        await ch.assertExchange(own, 'fanout', { autoDelete: true });
        await ch.bindExchange('amq.topic', own, '');
      });
      expect(result).toBe(403);
    });
  });

  it('disconnects a connected user on demand within a second', async () => {
    const a = await connectAs(alice, aliceToken);
    await listedByManagement(a.options.clientId!);
    const closed = new Promise<number>((resolve) => a.once('close', () => resolve(Date.now())));
    const start = Date.now();
    const res = await api.post(`users/${alice}/disconnect`);
    expect(res.status).toBe(200);
    expect(res.body.closed).toBeGreaterThanOrEqual(1);
    expect((await closed) - start).toBeLessThan(1000);
  });

  it('closes the connection of a user who is disabled, within a second', async () => {
    const dave = uid('dave');
    await api.put(`users/${dave}`, { display_name: 'Dave' });
    const issued = (await issue(dave)).body as Issued;
    const d = await connectAs(dave, issued);
    await listedByManagement(d.options.clientId!);
    const closed = new Promise<number>((resolve) => d.once('close', () => resolve(Date.now())));
    const start = Date.now();
    expect((await api.put(`users/${dave}/status`, { disabled: true, reason: 'abuse' })).status).toBe(200);
    expect((await closed) - start).toBeLessThan(1000);
  });
});
