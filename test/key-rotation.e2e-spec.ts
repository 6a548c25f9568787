import { readFileSync } from 'node:fs';
import { MqttClient } from 'mqtt';
import { userGrants } from '@app/protocol';
import { layout, mqttConnectWithToken, signToken, uid } from './support/broker';
import { stack } from './support/stack';
import { TEST_STACK } from './support/test-env';

const OLD_KEY = { kid: 'rotation-old', secret: 'rotation-e2e-old-secret-0123456789abcdef' };
const NEW_KEY = { kid: 'rotation-new', secret: 'rotation-e2e-new-secret-0123456789abcdef' };

/**
 * The key rotation of docs/tokens.md on a broker node of its own (the broker reads its keys at
 * boot): its ports are the test stack's + 50, its dir the test stack's + `-key-rotation`.
 */
describe('signing key rotation on the broker', () => {
  const shifted = (name: string) => String(Number(TEST_STACK[name]) + 50);
  const dir = `${TEST_STACK.STACK_DIR}-key-rotation`;
  const node: Record<string, string> = {
    STACK_DIR: dir,
    STACK_NODE_NAME: `engine-${dir.split('/').pop()}@localhost`,
    STACK_AMQP_PORT: shifted('STACK_AMQP_PORT'),
    STACK_MQTT_PORT: shifted('STACK_MQTT_PORT'),
    STACK_WS_MQTT_PORT: shifted('STACK_WS_MQTT_PORT'),
    STACK_MQTTS_PORT: shifted('STACK_MQTTS_PORT'),
    STACK_WSS_MQTT_PORT: shifted('STACK_WSS_MQTT_PORT'),
    STACK_MGMT_PORT: shifted('STACK_MGMT_PORT'),
    STACK_DIST_PORT: shifted('STACK_DIST_PORT'),
    STACK_EPMD_PORT: shifted('STACK_EPMD_PORT'),
    STACK_MONGO_PORT: shifted('STACK_MONGO_PORT'),
    STACK_ENV_FILE: '/dev/null',
    // Step 1 of the rotation: the new key active, the old one still listed.
    JWT_SECRET: NEW_KEY.secret,
    JWT_KEY_ID: NEW_KEY.kid,
    JWT_PREVIOUS_KEYS: `${OLD_KEY.kid}:${OLD_KEY.secret}`,
  };
  const url = `mqtt://127.0.0.1:${node.STACK_MQTT_PORT}`;
  const clients: MqttClient[] = [];
  const brokerPid = () => readFileSync(`${dir}/rabbitmq/rabbitmq.pid`, 'utf8').trim();

  /** Connects as a new user with a least-privilege token signed with the key; subscribes to their inbox. */
  async function connectSignedWith(key: { kid: string; secret: string }): Promise<MqttClient> {
    const userId = uid('rotation');
    const token = signToken({ sub: userId, scope: userGrants(layout, userId, 'rabbitmq').scopes }, key);
    const client = await mqttConnectWithToken(url, token, `${userId}~e2e`);
    clients.push(client);
    await client.subscribeAsync(layout.inbox(userId), { qos: 1 });
    return client;
  }

  beforeAll(async () => {
    await stack('start', 'rabbitmq', node);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await stack('stop', 'rabbitmq', node);
  });

  it('accepts tokens signed with the active key and with the previous key while it is listed', async () => {
    expect((await connectSignedWith(NEW_KEY)).connected).toBe(true);
    expect((await connectSignedWith(OLD_KEY)).connected).toBe(true);
  });

  it('refuses the previous key once it is dropped from JWT_PREVIOUS_KEYS and the broker restarted; the active key still works', async () => {
    const before = brokerPid();
    // Last step: the new config drops the old key; stack.sh sees the change and restarts the node.
    await stack('start', 'rabbitmq', { ...node, JWT_PREVIOUS_KEYS: '' });
    expect(brokerPid()).not.toBe(before);
    expect(readFileSync(`${dir}/rabbitmq/etc/advanced.config`, 'utf8')).not.toContain(OLD_KEY.kid);

    await expect(connectSignedWith(OLD_KEY)).rejects.toMatchObject({ code: 4 }); // CONNACK: bad username or password
    expect((await connectSignedWith(NEW_KEY)).connected).toBe(true);
  });
});
