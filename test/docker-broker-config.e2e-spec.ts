import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect as amqpConnect, credentials } from 'amqplib';
import mqtt, { MqttClient } from 'mqtt';
import { userGrants } from '@app/protocol';
import { layout, signToken, uid } from './support/broker';
import { ownNodeSettings } from './support/own-node';
import { ROOT } from './support/test-env';

const run = promisify(execFile);

/**
 * The Docker stack's broker config, booted for real. It is rendered as the compose file's
 * broker-config service renders it, and scripts/stack.sh starts a node of its own from those files
 * unchanged (STACK_BROKER_CONFIG_DIR): the stack only adds a conf.d file that moves the listeners
 * from 0.0.0.0 and the standard ports (taken on this machine) to loopback and free ports.
 */
describe('the docker profile of the broker config', () => {
  // Audience, key ids and secrets of its own: a node that ran on any other config (the stack's
  // local profile, say) would refuse these tokens.
  const DOCKER_ENV = {
    JWT_SECRET: 'docker-e2e-active-secret-0123456789abcdef',
    JWT_KEY_ID: 'docker-2',
    JWT_PREVIOUS_KEYS: 'docker-1:docker-e2e-previous-secret-0123456789',
    JWT_AUDIENCE: 'docker-e2e',
  };
  const configDir = mkdtempSync(join(tmpdir(), 'docker-broker-config-'));
  const clients: MqttClient[] = [];
  let node: Record<string, string>;

  const stack = (command: 'start' | 'stop') =>
    run('bash', [`${ROOT}/scripts/stack.sh`, command, 'rabbitmq'], {
      cwd: ROOT,
      env: { ...process.env, ...node },
      timeout: 180_000,
    });

  async function connect(url: string, userId: string, token: string, ca?: Buffer): Promise<MqttClient> {
    const client = mqtt.connect(url, {
      ...(ca && { ca }),
      username: userId,
      password: token,
      clientId: `${userId}~e2e`,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error('connection closed before CONNACK')));
    });
    return client;
  }

  beforeAll(async () => {
    await run(process.execPath, ['scripts/broker-config.js', configDir, '--profile', 'docker'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...DOCKER_ENV },
    });
    node = {
      ...(await ownNodeSettings('docker-broker')),
      STACK_BROKER_CONFIG_DIR: configDir,
      // The stack wants one to render its local profile; this node must not be using it.
      JWT_SECRET: 'the-local-profile-secret-that-this-node-ignores',
    };
    await stack('start');
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    if (node) await stack('stop');
    rmSync(configDir, { recursive: true, force: true });
  });

  it('runs the node on the rendered files byte for byte', () => {
    for (const file of ['rabbitmq.conf', 'advanced.config', 'enabled_plugins', 'definitions.json']) {
      expect(readFileSync(`${node.STACK_DIR}/rabbitmq/etc/${file}`, 'utf8')).toBe(readFileSync(join(configDir, file), 'utf8'));
    }
  });

  it('accepts a token from scripts/issue-token.js over MQTT, MQTT over WebSocket and both over TLS, and its subscription', async () => {
    const userId = uid('docker');
    const { stdout } = await run(process.execPath, ['scripts/issue-token.js', userId, '300'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ENV_FILE: '/dev/null', ...DOCKER_ENV },
    });
    const issued = JSON.parse(stdout) as { token: string; subscribe: string[] };
    // The TLS ones with the broker certificate of the profile's files (the node's own CA here).
    const ca = readFileSync(`${node.STACK_DIR}/rabbitmq/tls/ca.pem`);
    for (const [url, trusted] of [
      [`mqtt://127.0.0.1:${node.STACK_MQTT_PORT}`],
      [`ws://127.0.0.1:${node.STACK_WS_MQTT_PORT}/ws`],
      [`mqtts://127.0.0.1:${node.STACK_MQTTS_PORT}`, ca],
      [`wss://127.0.0.1:${node.STACK_WSS_MQTT_PORT}/ws`, ca],
    ] as Array<[string, Buffer?]>) {
      const client = await connect(url, userId, issued.token, trusted);
      // A subscription the token did not allow would close the connection instead.
      await expect(client.subscribeAsync(issued.subscribe[0], { qos: 1 })).resolves.toEqual([
        expect.objectContaining({ qos: 1 }),
      ]);
      await client.endAsync();
    }
  });

  it('accepts the previous key of a rotation and refuses a token signed with any other secret', async () => {
    const userId = uid('rotated');
    const claims = { sub: userId, aud: [DOCKER_ENV.JWT_AUDIENCE], scope: userGrants(layout, userId, DOCKER_ENV.JWT_AUDIENCE).scopes };
    const [kid, secret] = DOCKER_ENV.JWT_PREVIOUS_KEYS.split(':');
    const url = `mqtt://127.0.0.1:${node.STACK_MQTT_PORT}`;
    await (await connect(url, userId, signToken(claims, { kid, secret }))).endAsync();
    await expect(
      connect(url, userId, signToken(claims, { kid: DOCKER_ENV.JWT_KEY_ID, secret: 'another-secret-of-more-than-32-chars' })),
    ).rejects.toMatchObject({ code: 4 });
  });

  it("logs the engine in over AMQP with its client certificate (EXTERNAL, the profile's own user) and takes no token there", async () => {
    const tls = `${node.STACK_DIR}/rabbitmq/tls`;
    const target = { hostname: '127.0.0.1', port: Number(node.STACK_AMQP_PORT) };
    const engine = await amqpConnect({ protocol: 'amqps', ...target }, {
      ca: readFileSync(`${tls}/ca.pem`),
      cert: readFileSync(`${tls}/engine.pem`),
      key: readFileSync(`${tls}/engine.key`),
      credentials: credentials.external(),
    });
    // The engine user's permissions come from the definitions: it may declare the engine's queue.
    await (await engine.createChannel()).assertQueue('docker-e2e-engine-queue', { autoDelete: true });
    await engine.close();

    const userId = uid('docker-amqp');
    const token = signToken({ sub: userId, aud: [DOCKER_ENV.JWT_AUDIENCE], scope: [`${DOCKER_ENV.JWT_AUDIENCE}.configure:*/*`] }, {
      kid: DOCKER_ENV.JWT_KEY_ID,
      secret: DOCKER_ENV.JWT_SECRET,
    });
    await expect(amqpConnect({ protocol: 'amqp', ...target, username: userId, password: token })).rejects.toThrow();
    // TLS without a client certificate gets through the handshake (the MQTT TLS listener shares
    // these options and takes tokens), then finds no login: the only mechanism is EXTERNAL.
    await expect(amqpConnect({ protocol: 'amqps', ...target, username: userId, password: token }, { ca: readFileSync(`${tls}/ca.pem`) })).rejects.toThrow(
      /SASL mechanism PLAIN is not provided by the server/,
    );
    await expect(amqpConnect({ protocol: 'amqps', ...target }, { ca: readFileSync(`${tls}/ca.pem`), credentials: credentials.external() })).rejects.toThrow(
      /ACCESS_REFUSED - Login was refused using authentication mechanism EXTERNAL/,
    );
  });
});
