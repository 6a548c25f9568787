import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt, { MqttClient } from 'mqtt';
import { ChatClient, connect, ConnectError, DeliveredMessage } from '@app/client';
import { userGrants } from '@app/protocol';
import { adminApi, AdminApi } from './support/admin-api';
import { layout, signToken, uid } from './support/broker';
import { EngineProcess, spawnEngine, startEngine } from './support/engine';
import { ownNodeSettings } from './support/own-node';
import { nextEvent } from './support/next-event';
import { registerUser } from './support/sdk-users';
import { ROOT, servers, TEST_STACK } from './support/test-env';

const run = promisify(execFile);

interface IssuedToken {
  token: string;
  mqtt_urls: string[];
}

/**
 * Encrypted transports (docs/tls.md): the stack's broker serves MQTT over TLS (mqtts) and over
 * secure WebSocket (wss) with a certificate of its own CA, beside the plain listeners; clients
 * that trust that CA chat over them, others are refused; the engine itself talks AMQPS.
 */
describe('encrypted transports: mqtts, wss and AMQPS', () => {
  const ca = readFileSync(servers.mqttCaFile);
  const clients: ChatClient[] = [];
  const raw: MqttClient[] = [];
  let engine: EngineProcess;
  let api: AdminApi;

  async function issue(userId: string, on: AdminApi = api): Promise<IssuedToken> {
    const res = await on.post(`users/${userId}/tokens`, {});
    if (res.status !== 201) throw new Error(`no token for ${userId}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as IssuedToken;
  }

  /** A registered user connected through the SDK over the token's URL of this scheme, trusting the stack's CA. */
  async function user(name: string, scheme: 'mqtts' | 'wss'): Promise<ChatClient> {
    const id = await registerUser(api, name);
    const { token, mqtt_urls } = await issue(id);
    const url = mqtt_urls.find((u) => u.startsWith(`${scheme}://`));
    if (!url) throw new Error(`no ${scheme} URL in ${JSON.stringify(mqtt_urls)}`);
    const client = await connect({ url, userId: id, token, ca, reconnect: false });
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    engine = await startEngine('tls', {
      REQUIRE_REGISTERED_RECIPIENTS: 'true',
      // Said outright (it is on anyway with the RABBITMQ_TLS_* files engineEnv sets).
      RABBITMQ_TLS: 'true',
      MQTT_TLS_URL: servers.mqttsUrl,
      MQTT_WSS_URL: servers.wssUrl,
    });
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(raw.map((c) => c.endAsync(true)));
    await engine?.stop();
  });

  it('issues tokens with the TLS URLs first, then the plain one', async () => {
    const id = await registerUser(api, 'urls');
    expect((await issue(id)).mqtt_urls).toEqual([servers.mqttsUrl, servers.wssUrl, servers.mqttUrl]);
  });

  it.each(['mqtts', 'wss'] as const)('lets two SDK clients that trust the stack CA chat over %s', async (scheme) => {
    const alice = await user(`${scheme}-alice`, scheme);
    const bob = await user(`${scheme}-bob`, scheme);
    const received = nextEvent<DeliveredMessage>((l) => bob.on('message', l));
    const messageId = await alice.send(bob.userId, `hello over ${scheme}`);
    expect(await received).toMatchObject({ message_id: messageId, sender: alice.userId, recipient: bob.userId, text: `hello over ${scheme}` });

    const answered = nextEvent<DeliveredMessage>((l) => alice.on('message', l));
    await bob.send(alice.userId, 'and back');
    expect(await answered).toMatchObject({ sender: bob.userId, text: 'and back' });

    // The engine tracks TLS connections like plain ones (presence, kicks, the per-user limit); it
    // learns of them from the broker's events, on a queue of their own: wait for the listing.
    const deadline = Date.now() + 10_000;
    let listed = await api.get(`users/${alice.userId}/connections`);
    while (listed.status === 200 && listed.body.connections.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      listed = await api.get(`users/${alice.userId}/connections`);
    }
    expect(listed.status).toBe(200);
    expect(listed.body.connections).toEqual([
      expect.objectContaining({ client_id: alice.clientId, protocol: scheme === 'mqtts' ? 'mqtt' : 'web-mqtt' }),
    ]);
  });

  describe('a client that does not trust the CA', () => {
    // A CA of its own: a client that trusts only it must refuse the broker's certificate too.
    const pki = mkdtempSync(join(tmpdir(), 'e2e-other-ca-'));
    beforeAll(() => {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=another CA',
        '-keyout', join(pki, 'ca.key'), '-out', join(pki, 'ca.pem')], { stdio: 'ignore' });
    });
    afterAll(() => rmSync(pki, { recursive: true, force: true }));

    const nodeDefault = (): Buffer | undefined => undefined;
    const otherCa = (): Buffer | undefined => readFileSync(join(pki, 'ca.pem'));
    it.each([
      ['mqtts', "no CA (Node's list)", nodeDefault],
      ['wss', "no CA (Node's list)", nodeDefault],
      ['mqtts', 'another CA', otherCa],
      ['wss', 'another CA', otherCa],
    ] as const)('is refused over %s with %s: a certificate error, and its message goes nowhere', async (scheme, _how, trusted) => {
      const bob = await user(`untrusting-peer-${scheme}`, 'mqtts');
      const got: DeliveredMessage[] = [];
      bob.on('message', (m) => got.push(m));
      const id = await registerUser(api, `untrusting-${scheme}`);
      const { token, mqtt_urls } = await issue(id);
      const url = mqtt_urls.find((u) => u.startsWith(`${scheme}://`))!;
      const other = trusted();

      const sdk = connect({ url, userId: id, token, reconnect: false, ...(other && { ca: other }) });
      await expect(sdk).rejects.toBeInstanceOf(ConnectError);
      await expect(sdk).rejects.toThrow(/certificate/i);

      // mqtt.js queues a publish made before CONNACK and sends it once connected: the TLS refusal
      // must mean it never reaches the broker.
      const client = mqtt.connect(url, {
        username: id,
        password: token,
        clientId: `${id}~raw`,
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        ...(other && { ca: other }),
      });
      raw.push(client);
      const outgoing = { text: 'should never arrive', client_message_id: `${id}-1` };
      client.publish(layout.outgoing(id, bob.userId), JSON.stringify(outgoing), { qos: 1 });
      const failure = await new Promise<Error>((resolve, reject) => {
        client.once('error', resolve);
        client.once('connect', () => reject(new Error('connected without trusting the CA')));
      });
      expect(failure.message).toMatch(/self[- ]signed|unable to (verify|get)|certificate/i);

      // The control: the same token, trusting the stack CA, gets a message through to bob.
      const trusting = await connect({ url, userId: id, token, ca, reconnect: false });
      clients.push(trusting);
      const arrived = nextEvent<DeliveredMessage>((l) => bob.on('message', l));
      await trusting.send(bob.userId, 'with the CA');
      expect(await arrived).toMatchObject({ sender: id, text: 'with the CA' });
      expect(got.map((m) => m.text)).toEqual(['with the CA']);
    });
  });

  it("runs the engine over AMQPS: ready, and its broker connections are TLS, logged in with its certificate", async () => {
    const ready = await fetch(`${engine.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', info: { broker: { status: 'up' } } });

    const res = await fetch(`${servers.managementUrl}/api/connections?columns=user,auth_mechanism,ssl,protocol,port,client_properties`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${readFileSync(`${TEST_STACK.STACK_DIR}/rabbitmq/admin-password`, 'utf8').trim()}`).toString('base64')}` },
    });
    expect(res.status).toBe(200);
    const rows = (await res.json()) as Array<{ user: string; auth_mechanism: string; ssl: boolean; protocol: string; port: number; client_properties?: { connection_name?: string } }>;
    const own = rows.filter((r) => r.client_properties?.connection_name?.includes(`(pid ${engine.process.pid})`));
    expect(own.length).toBeGreaterThanOrEqual(2); // consumer and publisher
    for (const r of own) {
      expect(r).toMatchObject({ user: 'messaging-engine', auth_mechanism: 'EXTERNAL', ssl: true, port: servers.amqpPort, protocol: expect.stringMatching(/AMQP 0-9-1/) });
    }
  });

  describe('settings', () => {
    it('lists only the TLS URLs in tokens with MQTT_PLAIN_ENABLED=false', async () => {
      const tlsOnly = await startEngine('tls-only', { MQTT_PLAIN_ENABLED: 'false', MQTT_TLS_URL: servers.mqttsUrl, MQTT_WSS_URL: servers.wssUrl });
      try {
        const id = await registerUser(api, 'tls-only');
        expect((await issue(id, adminApi(tlsOnly.url))).mqtt_urls).toEqual([servers.mqttsUrl, servers.wssUrl]);
      } finally {
        await tlsOnly.stop();
      }
    });

    it.each([
      ['RABBITMQ_TLS=false beside the RABBITMQ_TLS_* files', { RABBITMQ_TLS: 'false' }, /RABBITMQ_TLS \(false\)/],
      ['MQTT_PLAIN_ENABLED=false without a TLS URL', { MQTT_PLAIN_ENABLED: 'false' }, /MQTT_PLAIN_ENABLED \(false\): tokens would list no broker URL/],
    ])('refuses to boot with %s, naming the setting', async (_name, env, message) => {
      const refused = await spawnEngine('tls-refused', env);
      expect(await refused.exited).not.toBe(0);
      expect(readFileSync(refused.logFile, 'utf8')).toMatch(message);
    });

    it('does not connect over AMQPS to a broker whose certificate its CA did not sign (RABBITMQ_TLS=true, the system CAs)', async () => {
      const untrusting = await spawnEngine('tls-system-cas', { RABBITMQ_TLS: 'true', RABBITMQ_TLS_CA_FILE: '' });
      try {
        const deadline = Date.now() + 20_000;
        let log = '';
        while (Date.now() < deadline && !/self[- ]signed|unable to (verify|get)/i.test(log)) {
          await new Promise((r) => setTimeout(r, 500));
          log = readFileSync(untrusting.logFile, 'utf8');
        }
        expect(log).toMatch(/self[- ]signed|unable to (verify|get)/i);
        expect((await fetch(`${untrusting.url}/health/ready`)).status).toBe(503);
      } finally {
        await untrusting.stop(5000);
      }
    });
  });
});

/**
 * MQTT_PLAIN_ENABLED=false on the broker: a node of its own (own dir, CA and free ports), rendered
 * by scripts/stack.sh from the local profile, serves MQTT over TLS and secure WebSocket only.
 */
describe('a broker with MQTT_PLAIN_ENABLED=false', () => {
  let node: Record<string, string>;
  const clients: MqttClient[] = [];
  const stack = (command: string) =>
    run('bash', [`${ROOT}/scripts/stack.sh`, command, 'rabbitmq'], { cwd: ROOT, env: { ...process.env, ...node }, timeout: 180_000 });

  beforeAll(async () => {
    node = {
      ...(await ownNodeSettings('tls-only')),
      JWT_SECRET: 'tls-only-node-secret-0123456789abcdefghij',
      JWT_KEY_ID: 'tls-only-1',
      MQTT_PLAIN_ENABLED: 'false',
    };
    await stack('start');
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    if (node) await stack('stop');
  });

  function connectTo(url: string, userId: string, options: Record<string, unknown> = {}): Promise<MqttClient> {
    const token = signToken(
      { sub: userId, aud: ['rabbitmq'], scope: userGrants(layout, userId, 'rabbitmq').scopes },
      { secret: node.JWT_SECRET, kid: node.JWT_KEY_ID },
    );
    const client = mqtt.connect(url, { username: userId, password: token, clientId: `${userId}~e2e`, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
    clients.push(client);
    return new Promise((resolve, reject) => {
      client.once('connect', () => resolve(client));
      client.once('error', reject);
      client.once('close', () => reject(new Error('closed before CONNACK')));
    });
  }

  it('names the TLS URLs in `scripts/stack.sh env`, and the CA to trust', async () => {
    const { stdout } = await stack('env');
    expect(stdout).toContain(`MQTT_TLS_URL=mqtts://127.0.0.1:${node.STACK_MQTTS_PORT}\n`);
    expect(stdout).toContain(`MQTT_WSS_URL=wss://127.0.0.1:${node.STACK_WSS_MQTT_PORT}/ws\n`);
    expect(stdout).toContain(`${node.STACK_DIR}/rabbitmq/tls/ca.pem`);
  });

  it('serves mqtts and wss with its own CA, and no plain MQTT or Web-MQTT', async () => {
    const nodeCa = readFileSync(`${node.STACK_DIR}/rabbitmq/tls/ca.pem`);
    const userId = uid('tls-only');
    for (const url of [`mqtts://127.0.0.1:${node.STACK_MQTTS_PORT}`, `wss://127.0.0.1:${node.STACK_WSS_MQTT_PORT}/ws`]) {
      const client = await connectTo(url, userId, { ca: nodeCa });
      await expect(client.subscribeAsync(layout.inbox(userId), { qos: 1 })).resolves.toEqual([expect.objectContaining({ qos: 1 })]);
      await client.endAsync();
    }
    // Nothing listens on the plain ports.
    await expect(connectTo(`mqtt://127.0.0.1:${node.STACK_MQTT_PORT}`, userId)).rejects.toThrow(/ECONNREFUSED/);
    await expect(connectTo(`ws://127.0.0.1:${node.STACK_WS_MQTT_PORT}/ws`, userId)).rejects.toThrow(/ECONNREFUSED|closed before CONNACK/);
  });
});
