import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig, webSocketUrls } from './app-config';
import { checkEngineConfig, ConfigError, validateEnv } from './env.validation';

const base = { JWT_SECRET: 'x'.repeat(32) };

describe('validateEnv', () => {
  it('applies defaults', () => {
    const config = new AppConfig(validateEnv({ ...base }));
    expect(config.broker).toMatchObject({ host: 'localhost', port: 5672, vhost: '/' });
    expect(config.pipeline.pathPrefix).toBe('apps/tilechat/users');
    expect(config.http.port).toBe(3000);
    expect(config.logLevel).toBe('info');
    expect(config.jwt.keys).toEqual([{ kid: 'engine-1', secret: base.JWT_SECRET }]);
  });

  it('names every invalid variable', () => {
    try {
      validateEnv({ ...base, RABBITMQ_PORT: 'abc', HTTP_PORT: '0', LOG_LEVEL: 'loud' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      for (const name of ['RABBITMQ_PORT', 'HTTP_PORT', 'LOG_LEVEL']) expect(message).toContain(name);
    }
  });

  it('requires JWT_SECRET and treats empty values as unset', () => {
    expect(() => validateEnv({})).toThrow(/JWT_SECRET \(not set\)/);
    expect(new AppConfig(validateEnv({ ...base, HTTP_PORT: '' })).http.port).toBe(3000);
  });

  it('accepts a leading slash in PATH_PREFIX and refuses wildcards', () => {
    expect(new AppConfig(validateEnv({ ...base, PATH_PREFIX: '/apps/x/users' })).pipeline.pathPrefix).toBe('/apps/x/users');
    expect(() => validateEnv({ ...base, PATH_PREFIX: 'apps/+/users' })).toThrow(/PATH_PREFIX/);
  });

  it('names the database of derived data after the main one unless set', () => {
    const derived = (uri: string, set?: string) =>
      new AppConfig(validateEnv({ ...base, MONGODB_URI: uri, ...(set && { MONGODB_DERIVED_DB: set }) })).mongo.derivedDb;
    expect(derived('mongodb://h:1/chat?replicaSet=rs0')).toBe('chat_derived');
    expect(derived('mongodb+srv://u:p@cluster.example/app')).toBe('app_derived');
    expect(derived('mongodb://h:1')).toBe('test_derived');
    expect(derived('mongodb://h:1/chat', 'summaries')).toBe('summaries');
  });

  describe('AMQP over TLS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'env-tls-'));
    const pem = (name: string) => {
      writeFileSync(join(dir, name), 'PEM');
      return join(dir, name);
    };
    const files = { RABBITMQ_TLS_CA_FILE: pem('ca.pem'), RABBITMQ_TLS_CERT_FILE: pem('engine.pem'), RABBITMQ_TLS_KEY_FILE: pem('engine.key') };
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads the TLS files and defaults the port to 5671 with them, 5672 without', () => {
      const broker = new AppConfig(validateEnv({ ...base, ...files })).broker;
      expect(broker).toMatchObject({ port: 5671, tls: { caFile: files.RABBITMQ_TLS_CA_FILE, certFile: files.RABBITMQ_TLS_CERT_FILE, keyFile: files.RABBITMQ_TLS_KEY_FILE } });
      expect(new AppConfig(validateEnv({ ...base, ...files, RABBITMQ_PORT: '5673' })).broker.port).toBe(5673);
      const plain = new AppConfig(validateEnv({ ...base })).broker;
      expect([plain.port, plain.tls]).toEqual([5672, undefined]);
    });

    it.each(['RABBITMQ_TLS_CA_FILE', 'RABBITMQ_TLS_CERT_FILE', 'RABBITMQ_TLS_KEY_FILE'] as const)('names %s when its file is missing or not a file', (name) => {
      expect(() => validateEnv({ ...base, ...files, [name]: join(dir, 'nope.pem') })).toThrow(new RegExp(`${name} \\(.*nope\\.pem\\): no such file`));
      expect(() => validateEnv({ ...base, ...files, [name]: dir })).toThrow(new RegExp(`${name} .*: not a file`));
    });

    it('requires the client certificate and its key together', () => {
      const { RABBITMQ_TLS_KEY_FILE: _key, ...noKey } = files;
      expect(() => validateEnv({ ...base, ...noKey })).toThrow(/RABBITMQ_TLS_CERT_FILE and RABBITMQ_TLS_KEY_FILE: set both/);
    });

    it('lets the engine boot only with a broker login: a client certificate or a user and password', () => {
      const config = (env: Record<string, string>) => new AppConfig(validateEnv({ ...base, ...env }));
      expect(() => checkEngineConfig(config({}))).toThrow(/RABBITMQ_TLS_CERT_FILE and RABBITMQ_TLS_KEY_FILE \(not set\)/);
      expect(() => checkEngineConfig(config({ RABBITMQ_TLS_CA_FILE: files.RABBITMQ_TLS_CA_FILE }))).toThrow(ConfigError);
      expect(() => checkEngineConfig(config(files))).not.toThrow();
      expect(() => checkEngineConfig(config({ RABBITMQ_USER: 'u', RABBITMQ_PASSWORD: 'p' }))).not.toThrow();
    });

    it('turns TLS on with RABBITMQ_TLS=true alone (the system CAs, a password login), and refuses false beside TLS files', () => {
      const broker = new AppConfig(validateEnv({ ...base, RABBITMQ_TLS: 'true', RABBITMQ_USER: 'u', RABBITMQ_PASSWORD: 'p' })).broker;
      expect(broker.port).toBe(5671);
      expect(broker.tls).toEqual({ caFile: undefined, certFile: undefined, keyFile: undefined });
      // The CA alone (no client certificate: a password login over amqps).
      const caOnly = new AppConfig(validateEnv({ ...base, RABBITMQ_TLS: 'true', RABBITMQ_TLS_CA_FILE: files.RABBITMQ_TLS_CA_FILE })).broker;
      expect(caOnly.tls).toEqual({ caFile: files.RABBITMQ_TLS_CA_FILE, certFile: undefined, keyFile: undefined });
      const off = new AppConfig(validateEnv({ ...base, RABBITMQ_TLS: 'false' })).broker;
      expect([off.port, off.tls]).toEqual([5672, undefined]);
      expect(() => validateEnv({ ...base, ...files, RABBITMQ_TLS: 'false' })).toThrow(/RABBITMQ_TLS \(false\)/);
      expect(() => validateEnv({ ...base, RABBITMQ_TLS: 'maybe' })).toThrow(/RABBITMQ_TLS/);
    });
  });

  describe('MQTT URLs given with tokens', () => {
    const urls = (env: Record<string, string>) => new AppConfig(validateEnv({ ...base, ...env })).broker.mqttUrls;
    const tls = { MQTT_TLS_URL: 'mqtts://chat.example:8883', MQTT_WSS_URL: 'wss://chat.example:15676/ws' };

    it('lists MQTT_URL alone by default, and the TLS URLs first when set', () => {
      expect(urls({})).toEqual(['mqtt://localhost:1883']);
      expect(urls({ ...tls, MQTT_URL: 'mqtt://chat.example:1883' })).toEqual([tls.MQTT_TLS_URL, tls.MQTT_WSS_URL, 'mqtt://chat.example:1883']);
      expect(urls({ MQTT_WSS_URL: tls.MQTT_WSS_URL })).toEqual([tls.MQTT_WSS_URL, 'mqtt://localhost:1883']);
      expect(urls({ MQTT_TLS_URL: 'mqtts://same:8883', MQTT_URL: 'mqtts://same:8883' })).toEqual(['mqtts://same:8883']);
    });

    it('lists only the TLS URLs with MQTT_PLAIN_ENABLED=false, and refuses to boot with none', () => {
      expect(urls({ ...tls, MQTT_PLAIN_ENABLED: 'false' })).toEqual([tls.MQTT_TLS_URL, tls.MQTT_WSS_URL]);
      expect(urls({ MQTT_URL: 'wss://chat.example/ws', MQTT_PLAIN_ENABLED: 'false' })).toEqual(['wss://chat.example/ws']);
      expect(urls({ MQTT_TLS_URL: tls.MQTT_TLS_URL, MQTT_URL: 'ws://chat.example/ws', MQTT_PLAIN_ENABLED: 'false' })).toEqual([tls.MQTT_TLS_URL]);
      expect(() => validateEnv({ ...base, MQTT_PLAIN_ENABLED: 'false' })).toThrow(/MQTT_PLAIN_ENABLED \(false\): tokens would list no broker URL/);
    });

    it('takes only the scheme each setting is for', () => {
      expect(() => validateEnv({ ...base, MQTT_TLS_URL: 'mqtt://chat.example:1883' })).toThrow(/MQTT_TLS_URL must be an mqtts:\/\/ URL/);
      expect(() => validateEnv({ ...base, MQTT_TLS_URL: 'mqtts://a b' })).toThrow(/MQTT_TLS_URL/);
      expect(() => validateEnv({ ...base, MQTT_WSS_URL: 'ws://chat.example/ws' })).toThrow(/MQTT_WSS_URL must be a wss:\/\/ URL/);
      expect(() => validateEnv({ ...base, MQTT_PLAIN_ENABLED: 'sometimes' })).toThrow(/MQTT_PLAIN_ENABLED/);
    });
  });

  it('requires RABBITMQ_USER and RABBITMQ_PASSWORD together', () => {
    expect(() => validateEnv({ ...base, RABBITMQ_USER: 'u' })).toThrow(/RABBITMQ_USER and RABBITMQ_PASSWORD/);
  });

  it('parses previous signing keys for rotation', () => {
    const config = new AppConfig(validateEnv({ ...base, JWT_KEY_ID: 'k2', JWT_PREVIOUS_KEYS: `k1:${'y'.repeat(32)}` }));
    expect(config.jwt.activeKey.kid).toBe('k2');
    expect(config.jwt.keys.map((k) => k.kid)).toEqual(['k2', 'k1']);
    expect(() => validateEnv({ ...base, JWT_PREVIOUS_KEYS: 'k1:short' })).toThrow(/JWT_PREVIOUS_KEYS/);
  });

  it('reads the token lifetimes and refuses a default above the cap', () => {
    expect(new AppConfig(validateEnv({ ...base })).tokens).toEqual({ defaultTtlSeconds: 3600, maxTtlSeconds: 86400 });
    const set = new AppConfig(validateEnv({ ...base, TOKEN_TTL_SECONDS: '600', TOKEN_MAX_TTL_SECONDS: '7200' }));
    expect(set.tokens).toEqual({ defaultTtlSeconds: 600, maxTtlSeconds: 7200 });
    expect(() => validateEnv({ ...base, TOKEN_TTL_SECONDS: '7200', TOKEN_MAX_TTL_SECONDS: '3600' })).toThrow(
      /TOKEN_TTL_SECONDS \(7200\) must not exceed TOKEN_MAX_TTL_SECONDS \(3600\)/,
    );
    expect(() => validateEnv({ ...base, TOKEN_MAX_TTL_SECONDS: '10' })).toThrow(/TOKEN_MAX_TTL_SECONDS/);
  });

  it('reads the admin credentials and rate limit', () => {
    const none = new AppConfig(validateEnv({ ...base }));
    expect(none.admin).toEqual({ apiKey: undefined, jwt: undefined, rateLimitPerMinute: 600 });
    const key = 'k'.repeat(32);
    const secret = 's'.repeat(32);
    const both = new AppConfig(
      validateEnv({ ...base, ADMIN_API_KEY: key, ADMIN_JWT_SECRET: secret, ADMIN_JWT_ISSUER: 'ops', ADMIN_RATE_LIMIT_PER_MINUTE: '0' }),
    );
    expect(both.admin).toEqual({ apiKey: key, jwt: { secret, issuer: 'ops', audience: undefined }, rateLimitPerMinute: 0 });
  });

  it('refuses a short admin key, an admin JWT secret shared with the broker keys, and no admin credential in production', () => {
    expect(() => validateEnv({ ...base, ADMIN_API_KEY: 'short' })).toThrow(/ADMIN_API_KEY \(invalid value\)/);
    expect(() => validateEnv({ ...base, ADMIN_API_KEY: `${'k'.repeat(32)} x` })).toThrow(/ADMIN_API_KEY/);
    expect(() => validateEnv({ ...base, ADMIN_JWT_SECRET: base.JWT_SECRET })).toThrow(/ADMIN_JWT_SECRET must differ/);
    const old = 'o'.repeat(32);
    expect(() => validateEnv({ ...base, JWT_PREVIOUS_KEYS: `k0:${old}`, ADMIN_JWT_SECRET: old })).toThrow(/ADMIN_JWT_SECRET must differ/);
    expect(() => validateEnv({ ...base, NODE_ENV: 'production' })).toThrow(/ADMIN_API_KEY or ADMIN_JWT_SECRET \(not set\)/);
    expect(() => validateEnv({ ...base, NODE_ENV: 'production', ADMIN_API_KEY: 'k'.repeat(32) })).not.toThrow();
    expect(() => validateEnv({ ...base, NODE_ENV: 'development' })).not.toThrow();
    expect(() => validateEnv({ ...base, ADMIN_JWT_ISSUER: 'ops' })).toThrow(/set ADMIN_JWT_SECRET too/);
  });

  it('turns the development sign-in on only when asked, and never in production', () => {
    expect(new AppConfig(validateEnv({ ...base })).devSignIn).toBe(false);
    expect(new AppConfig(validateEnv({ ...base, DEV_SIGN_IN: 'true' })).devSignIn).toBe(true);
    const production = { ...base, NODE_ENV: 'production', ADMIN_API_KEY: 'k'.repeat(32) };
    expect(() => validateEnv({ ...production, DEV_SIGN_IN: 'true' })).toThrow(/DEV_SIGN_IN=true is refused with NODE_ENV=production/);
    expect(() => validateEnv({ ...production, DEV_SIGN_IN: 'false' })).not.toThrow();
  });

  it('takes a ws:// MQTT_WS_URL, listed last and only while plain MQTT is on', () => {
    const urls = (env: Record<string, string>) => new AppConfig(validateEnv({ ...base, ...env })).broker.mqttUrls;
    const ws = 'ws://127.0.0.1:15675/ws';
    expect(urls({ MQTT_WS_URL: ws, MQTT_WSS_URL: 'wss://chat.example/ws' })).toEqual(['wss://chat.example/ws', 'mqtt://localhost:1883', ws]);
    expect(urls({ MQTT_WS_URL: ws, MQTT_WSS_URL: 'wss://chat.example/ws', MQTT_PLAIN_ENABLED: 'false' })).toEqual(['wss://chat.example/ws']);
    expect(webSocketUrls(urls({ MQTT_WS_URL: ws, MQTT_TLS_URL: 'mqtts://chat.example:8883' }))).toEqual([ws]);
    for (const bad of ['mqtt://host:1883', 'wss://host/ws', 'http://host/ws', "ws://host/ws'; script-src *", 'ws://a b']) {
      expect(() => validateEnv({ ...base, MQTT_WS_URL: bad })).toThrow(/MQTT_WS_URL/);
    }
  });

});
