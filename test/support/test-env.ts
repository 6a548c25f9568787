import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

/**
 * The e2e tests' own stack: ports and data dir apart from the dev stack's. TEST_STACK_NAME and
 * TEST_STACK_PORT_OFFSET move it, so several test runs can share a machine.
 */
const offset = Number(process.env.TEST_STACK_PORT_OFFSET ?? 0);
const port = (base: number) => String(base + offset);
export const TEST_STACK: Record<string, string> = {
  STACK_DIR: `${ROOT}/.stack/${process.env.TEST_STACK_NAME ?? 'test'}`,
  STACK_NODE_NAME: `engine-${process.env.TEST_STACK_NAME ?? 'test'}@localhost`,
  STACK_AMQP_PORT: port(5683),
  STACK_MQTT_PORT: port(1894),
  STACK_WS_MQTT_PORT: port(15686),
  STACK_MQTTS_PORT: port(8894),
  STACK_WSS_MQTT_PORT: port(15687),
  STACK_MGMT_PORT: port(15683),
  STACK_DIST_PORT: port(25683),
  STACK_EPMD_PORT: port(4371),
  STACK_MONGO_PORT: port(27037),
  STACK_PG_PORT: port(5443),
  STACK_ENV_FILE: '/dev/null',
};

export const TEST_JWT_SECRET = 'e2e-only-secret-not-for-production-0123456789';
export const TEST_JWT_KEY_ID = 'e2e-1';
export const PATH_PREFIX = 'apps/tilechat/users';
/** The engine under test's admin credentials (test/support/admin-api.ts sends the key). */
export const TEST_ADMIN_API_KEY = 'e2e-admin-api-key-not-for-production-0123456789';
export const TEST_ADMIN_JWT_SECRET = 'e2e-admin-jwt-secret-not-for-production-0123456789';

/** Where the tests find the broker and database: external ones when TEST_* are set. */
export const servers = {
  external: {
    broker: Boolean(process.env.TEST_RABBITMQ_HOST),
    database: Boolean(process.env.TEST_MONGODB_URI),
  },
  amqpHost: process.env.TEST_RABBITMQ_HOST ?? '127.0.0.1',
  /** AMQP over TLS, the only AMQP the broker speaks (docs/tokens.md). */
  amqpPort: Number(process.env.TEST_RABBITMQ_PORT ?? TEST_STACK.STACK_AMQP_PORT),
  /** The engine's client certificate and the broker's CA: made by the stack (scripts/broker-certs.sh). */
  amqpTls: {
    caFile: process.env.TEST_RABBITMQ_TLS_CA_FILE ?? `${TEST_STACK.STACK_DIR}/rabbitmq/tls/ca.pem`,
    certFile: process.env.TEST_RABBITMQ_TLS_CERT_FILE ?? `${TEST_STACK.STACK_DIR}/rabbitmq/tls/engine.pem`,
    keyFile: process.env.TEST_RABBITMQ_TLS_KEY_FILE ?? `${TEST_STACK.STACK_DIR}/rabbitmq/tls/engine.key`,
  },
  mqttUrl: process.env.TEST_MQTT_URL ?? `mqtt://127.0.0.1:${TEST_STACK.STACK_MQTT_PORT}`,
  /** MQTT over TLS and over secure WebSocket, with the stack's server certificate (docs/tls.md). */
  mqttsUrl: process.env.TEST_MQTTS_URL ?? `mqtts://127.0.0.1:${TEST_STACK.STACK_MQTTS_PORT}`,
  wssUrl: process.env.TEST_WSS_URL ?? `wss://127.0.0.1:${TEST_STACK.STACK_WSS_MQTT_PORT}/ws`,
  /** The CA MQTT clients trust for the two above: the stack's (the one that signed the broker's certificate). */
  mqttCaFile: process.env.TEST_MQTT_TLS_CA_FILE ?? `${TEST_STACK.STACK_DIR}/rabbitmq/tls/ca.pem`,
  managementUrl: process.env.TEST_RABBITMQ_MANAGEMENT_URL ?? `http://127.0.0.1:${TEST_STACK.STACK_MGMT_PORT}`,
  mongoUri: process.env.TEST_MONGODB_URI ?? `mongodb://127.0.0.1:${TEST_STACK.STACK_MONGO_PORT}/e2e`,
};

/** Environment for an engine process under test. */
export function engineEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    ENV_FILE: '/dev/null',
    LOG_LEVEL: 'info',
    HTTP_HOST: '127.0.0.1',
    RABBITMQ_HOST: servers.amqpHost,
    RABBITMQ_PORT: String(servers.amqpPort),
    RABBITMQ_TLS_CA_FILE: servers.amqpTls.caFile,
    RABBITMQ_TLS_CERT_FILE: servers.amqpTls.certFile,
    RABBITMQ_TLS_KEY_FILE: servers.amqpTls.keyFile,
    RABBITMQ_MANAGEMENT_URL: servers.managementUrl,
    MQTT_URL: servers.mqttUrl,
    MONGODB_URI: servers.mongoUri,
    JWT_SECRET: TEST_JWT_SECRET,
    JWT_KEY_ID: TEST_JWT_KEY_ID,
    PATH_PREFIX,
    ADMIN_API_KEY: TEST_ADMIN_API_KEY,
    ADMIN_JWT_SECRET: TEST_ADMIN_JWT_SECRET,
    // Tests share one address and call the admin API a lot; the rate limit's own test sets one.
    ADMIN_RATE_LIMIT_PER_MINUTE: '0',
    RATE_LIMIT_PER_SECOND: '0',
    // Most tests message users they never register; the user and block tests turn it on.
    REQUIRE_REGISTERED_RECIPIENTS: 'false',
    DB_TIMEOUT_MS: '2000',
    ...overrides,
  };
}
