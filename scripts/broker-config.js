#!/usr/bin/env node
// Renders the RabbitMQ config (rabbitmq.conf, advanced.config, enabled_plugins,
// definitions.json) for the engine's broker: MQTT + Web-MQTT + JWT (oauth2) + management + event
// exchange plugins, with the HS256 signing keys derived from JWT_SECRET (and JWT_PREVIOUS_KEYS
// during a key rotation). AMQP is TLS only and takes only SASL EXTERNAL: a client certificate
// signed by the stack's CA, whose CN names an internal user without a password (the engine's,
// created by definitions.json). User tokens therefore work over MQTT and Web-MQTT only
// (docs/tokens.md).
//
// One source of truth: the local stack (scripts/stack.sh) renders the local profile, and the
// Docker stack renders the docker profile at every start (docker/docker-compose.yml, service
// broker-config, from the same .env), so the signing keys are never written to the repository
// or an image. test/docker-broker-config.e2e-spec.ts boots a node from the docker profile.
//
// Usage: node scripts/broker-config.js OUT_DIR [--profile local|docker]
// Reads: JWT_SECRET, JWT_KEY_ID, JWT_PREVIOUS_KEYS, JWT_AUDIENCE, RABBITMQ_VHOST, MAX_PAYLOAD_BYTES,
// MQTT_PLAIN_ENABLED, and for the local profile STACK_AMQP_PORT, STACK_MQTT_PORT,
// STACK_WS_MQTT_PORT, STACK_MQTTS_PORT, STACK_WSS_MQTT_PORT, STACK_MGMT_PORT, STACK_ADMIN_USER,
// STACK_ADMIN_PASSWORD, STACK_TLS_DIR (the certificates of scripts/broker-certs.sh) and
// STACK_CONFIG_DIR (where the node reads these files).
//
// MQTT over TLS (mqtts) and over secure WebSocket (wss) are always served, with the broker's
// server certificate (server.pem, the one AMQP uses; docs/tls.md); MQTT_PLAIN_ENABLED=false turns
// the plain MQTT and Web-MQTT listeners off.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const PLUGINS = [
  'rabbitmq_management',
  'rabbitmq_mqtt',
  'rabbitmq_web_mqtt',
  'rabbitmq_auth_backend_oauth2',
  // Connection and channel events (amq.rabbitmq.event): the engine learns who connected with
  // which token from them (src/connections/), which the management API shows only seconds later.
  'rabbitmq_event_exchange',
  'rabbitmq_auth_mechanism_ssl',
];

/** The engine's broker user: the CN of its client certificate (scripts/broker-certs.sh). */
const ENGINE_USER = 'messaging-engine';

/** Where the docker profile's node finds its files (docker/docker-compose.yml mounts them there). */
const DOCKER_PATHS = { config: '/etc/rabbitmq', tls: '/etc/rabbitmq-tls' };

/** The docker profile's listener ports inside the container (the compose file publishes them). */
const DOCKER_PORTS = { amqps: '5671', mqtt: '1883', mqtts: '8883', ws: '15675', wss: '15676', management: '15672' };

/** MQTT_PLAIN_ENABLED as the engine reads it (src/config/env.schema.ts): unset means on. */
function plainEnabled(env) {
  const value = (env.MQTT_PLAIN_ENABLED || '').trim().toLowerCase();
  if (value === '') return true;
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  fail('MQTT_PLAIN_ENABLED must be true or false');
}

/**
 * RabbitMQ's rabbit_password_hashing_sha256: base64(salt ++ sha256(salt ++ password)). The salt is
 * derived from the password, so the same password renders the same file (a changed file restarts
 * the local node); the local administrator's password is random and never leaves the node's dir.
 */
function passwordHash(password) {
  const salt = crypto.createHash('sha256').update(`salt:${password}`).digest().subarray(0, 4);
  const hash = crypto.createHash('sha256').update(Buffer.concat([salt, Buffer.from(password, 'utf8')])).digest();
  return Buffer.concat([salt, hash]).toString('base64');
}

/**
 * Users, vhost and permissions, imported at every boot, so a fresh node and a restarted one both
 * have them (with definitions to load, the broker seeds no default user or vhost). The engine's
 * user has no password (an empty hash matches none) and no tags (no management login): only a
 * certificate signed by the broker's CA logs in as it. The local profile adds its administrator
 * (management API and UI; no AMQP login, which takes certificates only).
 */
function definitions(env, profile) {
  const vhost = env.RABBITMQ_VHOST || '/';
  const all = { configure: '.*', write: '.*', read: '.*' };
  const users = [{ name: ENGINE_USER, password_hash: '', hashing_algorithm: 'rabbit_password_hashing_sha256', tags: [] }];
  const permissions = [{ user: ENGINE_USER, vhost, ...all }];
  if (profile === 'local') {
    const admin = env.STACK_ADMIN_USER || 'admin';
    if (!env.STACK_ADMIN_PASSWORD) fail('STACK_ADMIN_PASSWORD is not set');
    users.push({ name: admin, password_hash: passwordHash(env.STACK_ADMIN_PASSWORD), hashing_algorithm: 'rabbit_password_hashing_sha256', tags: ['administrator'] });
    permissions.push({ user: admin, vhost, ...all });
  }
  return JSON.stringify({ users, vhosts: [{ name: vhost }], permissions }, null, 2) + '\n';
}

function fail(message) {
  process.stderr.write(`broker-config: ${message}\n`);
  process.exit(1);
}

/** Parses "kid:secret,kid:secret" (JWT_PREVIOUS_KEYS) into [{kid, secret}]. */
function parseKeyList(value) {
  if (!value) return [];
  return value.split(',').map((entry) => {
    const at = entry.indexOf(':');
    if (at <= 0 || at === entry.length - 1) fail('JWT_PREVIOUS_KEYS must be a comma list of kid:secret');
    return { kid: entry.slice(0, at).trim(), secret: entry.slice(at + 1) };
  });
}

// .env.example's JWT_SECRET is public: the docker profile, whose broker listens beyond
// loopback, will not be rendered with it.
const EXAMPLE_SECRET_PREFIX = 'change-me';

function signingKeys(env, profile) {
  if (!env.JWT_SECRET) fail('JWT_SECRET is not set');
  if (profile === 'docker' && env.JWT_SECRET.startsWith(EXAMPLE_SECRET_PREFIX)) {
    fail('JWT_SECRET is still the example from .env.example; set a random one (openssl rand -base64 48)');
  }
  const active = { kid: env.JWT_KEY_ID || 'engine-1', secret: env.JWT_SECRET };
  const keys = [active, ...parseKeyList(env.JWT_PREVIOUS_KEYS)];
  for (const k of keys) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(k.kid)) fail(`invalid key id "${k.kid}" (letters, digits, . _ -)`);
  }
  return { active, keys };
}

// The broker's max_message_size: what the engine accepts plus what it adds to a delivered copy,
// so no engine publish is ever refused (the same formula as src/config/message-size.ts; a unit
// spec keeps them equal). A client's larger publish is refused by the broker and never queued.
const DEFAULT_MAX_PAYLOAD_BYTES = 65536;
const ENGINE_ENVELOPE_BYTES = 1024;
const MIN_BROKER_MESSAGE_BYTES = 32 * 1024;

function maxMessageSize(env) {
  const raw = env.MAX_PAYLOAD_BYTES;
  const payload = raw === undefined || raw === '' ? DEFAULT_MAX_PAYLOAD_BYTES : Number(raw);
  if (!Number.isInteger(payload) || payload < 1 || payload > 16 * 1024 * 1024) {
    fail('MAX_PAYLOAD_BYTES must be an integer from 1 to 16777216');
  }
  return Math.max(payload + ENGINE_ENVELOPE_BYTES, MIN_BROKER_MESSAGE_BYTES);
}

function erlBinary(s) {
  return `<<"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}">>`;
}

function advancedConfig(env, profile) {
  const { active, keys } = signingKeys(env, profile);
  const entries = keys
    .map(
      (k) =>
        `        ${erlBinary(k.kid)} => {map, #{<<"kty">> => <<"oct">>, <<"alg">> => <<"HS256">>,\n` +
        `          <<"k">> => ${erlBinary(Buffer.from(k.secret, 'utf8').toString('base64url'))}}}`,
    )
    .join(',\n');
  return (
    '%% Generated by scripts/broker-config.js from JWT_SECRET / JWT_KEY_ID / JWT_PREVIOUS_KEYS.\n' +
    '%% key_config here replaces the one rabbitmq.conf would build, so all of it lives here.\n' +
    '[\n' +
    '  {rabbitmq_auth_backend_oauth2, [\n' +
    '    {key_config, [\n' +
    `      {default_key, ${erlBinary(active.kid)}},\n` +
    '      {signing_keys, #{\n' +
    `${entries}\n` +
    '      }},\n' +
    '      {algorithms, [<<"HS256">>]}\n' +
    '    ]}\n' +
    '  ]}\n' +
    '].\n'
  );
}

function rabbitmqConf(env, profile) {
  const audience = env.JWT_AUDIENCE || 'rabbitmq';
  const local = profile === 'local';
  const host = local ? '127.0.0.1' : '0.0.0.0';
  const port = (name, key) => (local && env[name]) || DOCKER_PORTS[key];
  const tls = local ? env.STACK_TLS_DIR : DOCKER_PATHS.tls;
  const configDir = local ? env.STACK_CONFIG_DIR : DOCKER_PATHS.config;
  if (!tls) fail('STACK_TLS_DIR is not set');
  if (!configDir) fail('STACK_CONFIG_DIR is not set');
  const plain = plainEnabled(env);
  const lines = [
    '# Generated by scripts/broker-config.js; edit the script, not this file.',
    '# AMQP: TLS only, and only SASL EXTERNAL (a client certificate signed by the stack\'s CA, CN =',
    '# the broker user). Users\' tokens never log in over AMQP, where 3.10\'s scopes cannot tell a',
    '# queue from an exchange (docs/tokens.md); MQTT and Web-MQTT take them in their CONNECT packet.',
    'listeners.tcp = none',
    `listeners.ssl.default = ${host}:${port('STACK_AMQP_PORT', 'amqps')}`,
    `ssl_options.cacertfile = ${tls}/ca.pem`,
    `ssl_options.certfile = ${tls}/server.pem`,
    `ssl_options.keyfile = ${tls}/server.key`,
    'ssl_options.verify = verify_peer',
    '# The MQTT TLS listener shares these options (RabbitMQ 3.10), and MQTT clients log in with a',
    '# token, not a certificate: a client without one completes the handshake, and on AMQP then',
    '# fails the login, whose only mechanism is EXTERNAL (a presented certificate must still be the',
    '# CA\'s: verify_peer). docs/tls.md.',
    'ssl_options.fail_if_no_peer_cert = false',
    'auth_mechanisms.1 = EXTERNAL',
    'ssl_cert_login_from = common_name',
    '# The engine\'s passwordless user and its permissions, at every boot.',
    `load_definitions = ${configDir}/definitions.json`,
    'auth_backends.1 = rabbit_auth_backend_oauth2',
    'auth_backends.2 = internal',
    `auth_oauth2.resource_server_id = ${audience}`,
    ...(plain
      ? [`mqtt.listeners.tcp.default = ${host}:${port('STACK_MQTT_PORT', 'mqtt')}`]
      : ['# MQTT_PLAIN_ENABLED=false: MQTT over TLS and secure WebSocket only.', 'mqtt.listeners.tcp = none']),
    '# MQTT over TLS (mqtts): the ssl_options above (server certificate and CA).',
    `mqtt.listeners.ssl.default = ${host}:${port('STACK_MQTTS_PORT', 'mqtts')}`,
    'mqtt.allow_anonymous = false',
    'mqtt.vhost = /',
    'mqtt.exchange = amq.topic',
    '# The default prefetch of 10 caps QoS 1 delivery at ~6k msg/s with >1 s latency.',
    'mqtt.prefetch = 200',
    '# A client id\'s durable session queues (clean=false) go once unused for a day.',
    'mqtt.subscription_ttl = 86400000',
    ...(plain
      ? [`web_mqtt.tcp.ip = ${host}`, `web_mqtt.tcp.port = ${port('STACK_WS_MQTT_PORT', 'ws')}`]
      : ['web_mqtt.tcp.listener = none']),
    '# MQTT over secure WebSocket (wss://HOST:PORT/ws): Web MQTT has TLS options of its own.',
    `web_mqtt.ssl.ip = ${host}`,
    `web_mqtt.ssl.port = ${port('STACK_WSS_MQTT_PORT', 'wss')}`,
    `web_mqtt.ssl.cacertfile = ${tls}/ca.pem`,
    `web_mqtt.ssl.certfile = ${tls}/server.pem`,
    `web_mqtt.ssl.keyfile = ${tls}/server.key`,
    `management.tcp.ip = ${host}`,
    `management.tcp.port = ${port('STACK_MGMT_PORT', 'management')}`,
    '# MAX_PAYLOAD_BYTES plus the engine\'s envelope: larger publishes are refused by the broker.',
    `max_message_size = ${maxMessageSize(env)}`,
  ];
  if (local) {
    lines.push(
      '# Statistics every second instead of every 5: the management API lists a new connection within',
      '# about 2 s instead of up to 10 (closing a user\'s connections, tests). The management plugin',
      '# aggregates at the smallest interval of its retention policies, so those say 1 s too (all',
      '# three sections: one given replaces the defaults of all). The docker profile keeps the defaults.',
      'collect_statistics_interval = 1000',
      'management.sample_retention_policies.global.minute = 1',
      'management.sample_retention_policies.global.hour = 60',
      'management.sample_retention_policies.global.day = 1200',
      'management.sample_retention_policies.basic.minute = 1',
      'management.sample_retention_policies.basic.hour = 60',
      'management.sample_retention_policies.detailed.10 = 1',
      'log.file.level = info',
    );
  } else {
    lines.push(
      '# A container logs to stdout only (this file replaces the image\'s /etc/rabbitmq, conf.d included).',
      'log.console = true',
      'log.console.level = info',
      'log.file = false',
    );
  }
  return lines.join('\n') + '\n';
}

function render(env, profile) {
  return {
    'rabbitmq.conf': rabbitmqConf(env, profile),
    'advanced.config': advancedConfig(env, profile),
    enabled_plugins: `[${PLUGINS.join(',')}].\n`,
    'definitions.json': definitions(env, profile),
  };
}

module.exports = { render, maxMessageSize, plainEnabled, PLUGINS, ENGINE_USER, DOCKER_PATHS, DOCKER_PORTS };

if (require.main === module) {
  const [outDir, flag, profileArg] = process.argv.slice(2);
  if (!outDir) fail('usage: broker-config.js OUT_DIR [--profile local|docker]');
  const profile = flag === '--profile' ? profileArg : 'local';
  if (!['local', 'docker'].includes(profile)) fail(`unknown profile "${profile}"`);
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, text] of Object.entries(render(process.env, profile))) {
    fs.writeFileSync(path.join(outDir, name), text, { mode: 0o600 });
  }
}
