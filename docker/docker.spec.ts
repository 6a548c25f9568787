import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PATH_METADATA } from '@nestjs/common/constants';
import { EnvSchema } from '../src/config/env.schema';
import { HealthController } from '../src/health/health.controller';

// Only `intersects` is used; the package has no types installed.
const semver: { intersects(a: string, b: string): boolean } = require('semver');
const brokerConfig: {
  render(env: Record<string, string>, profile: string): Record<string, string>;
  DOCKER_PATHS: { config: string; tls: string };
} = require('../scripts/broker-config.js');

const ROOT = resolve(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The instructions of a Dockerfile, continuation lines joined and comments dropped. */
function instructions(text: string): Array<{ name: string; args: string }> {
  return text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => /^\s*(\w+)\s+(.*?)\s*$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1].toUpperCase(), args: m[2] }));
}

const all = instructions(read('docker/Dockerfile'));
const runtime = all.slice(all.map((i) => i.name).lastIndexOf('FROM'));
const one = (name: string) => {
  const found = runtime.filter((i) => i.name === name);
  expect(found).toHaveLength(1);
  return found[0].args;
};
const imageEnv = () =>
  Object.fromEntries(
    runtime.filter((i) => i.name === 'ENV').flatMap((i) => i.args.split(/\s+/).map((kv) => kv.split('=', 2))),
  );

const LIVENESS_PATH = `/${Reflect.getMetadata(PATH_METADATA, HealthController)}/${Reflect.getMetadata(
  PATH_METADATA,
  HealthController.prototype.live,
)}`;

describe('docker/Dockerfile', () => {
  it('starts the built entry point in exec form, as `npm run start:prod` does', () => {
    const nestCli = JSON.parse(read('nest-cli.json')) as { entryFile: string };
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const cmd = JSON.parse(one('CMD')) as string[];
    expect(cmd).toEqual(['node', `dist/${nestCli.entryFile}.js`]);
    expect(cmd.join(' ')).toBe(pkg.scripts['start:prod']);
  });

  it('listens on every interface, on the exposed port, which is the app default', () => {
    const env = imageEnv();
    expect(env.HTTP_HOST).toBe('0.0.0.0');
    expect(Number(env.HTTP_PORT)).toBe(new EnvSchema().HTTP_PORT);
    expect(one('EXPOSE').split(/\s+/)).toEqual([env.HTTP_PORT]);
  });

  it('installs without install analytics (nothing may reach outside the machine)', () => {
    const install = read('docker/Dockerfile').split('\n').find((l) => /\bnpm ci\b/.test(l)) ?? '';
    expect(install).toMatch(/SCARF_ANALYTICS=false/);
    expect(JSON.parse(read('package.json')).scarfSettings).toEqual({ enabled: false });
    expect(read('scripts/lib/deps.sh')).toMatch(/SCARF_ANALYTICS=false .*npm ci/);
  });

  it('runs as a non-root user', () => {
    expect(['root', '0', '0:0']).not.toContain(one('USER'));
  });

  it('uses a Node LTS line that every locked package supports', () => {
    const arg = all.find((i) => i.name === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    const major = Number(/^NODE_IMAGE=node:(\d+)-/.exec(arg?.args ?? '')?.[1]);
    expect(major % 2).toBe(0); // even majors are the ones that become LTS
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { engines?: { node?: string } }>;
    };
    const unsupported = Object.entries(lock.packages)
      .filter(([, p]) => p.engines?.node && !semver.intersects(p.engines.node, `^${major}.0.0`))
      .map(([name, p]) => `${name || 'this package'}: ${p.engines!.node}`);
    expect(unsupported).toEqual([]);
  });

  describe('health check', () => {
    let server: Server;
    let status = 200;

    beforeAll(async () => {
      server = createServer((req, res) => {
        res.writeHead(req.url === LIVENESS_PATH ? status : 404).end();
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    /** Runs the HEALTHCHECK command as Docker would, with HTTP_PORT at the fake app. */
    function probe(port: number): Promise<number | null> {
      const [, json] = /^(?:--\S+\s+)*CMD\s+(\[.*\])$/.exec(one('HEALTHCHECK')) ?? [];
      const [cmd, ...args] = JSON.parse(json) as string[];
      const child = spawn(cmd, args, { env: { PATH: process.env.PATH, HTTP_PORT: String(port) }, stdio: 'ignore' });
      return new Promise((done) => child.once('exit', done));
    }

    it(`passes while ${LIVENESS_PATH} answers 200 on HTTP_PORT`, async () => {
      status = 200;
      expect(await probe((server.address() as AddressInfo).port)).toBe(0);
    });

    it('fails on any other answer, and when nothing listens', async () => {
      status = 503;
      expect(await probe((server.address() as AddressInfo).port)).toBe(1);
      const closed = createServer();
      await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((done) => closed.close(done));
      expect(await probe(port)).toBe(1);
    });
  });
});

describe('scripts/broker-config.js --profile docker', () => {
  const out = mkdtempSync(join(tmpdir(), 'broker-config-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const run = (secret: string, profile: string) =>
    spawnSync(process.execPath, ['scripts/broker-config.js', out, '--profile', profile], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, JWT_SECRET: secret, STACK_ADMIN_PASSWORD: 'x', STACK_TLS_DIR: '/tls', STACK_CONFIG_DIR: '/etc' },
      encoding: 'utf8',
    });

  it("refuses .env.example's public JWT_SECRET, which the local profile still takes", () => {
    const example = /^JWT_SECRET=(.*)$/m.exec(read('.env.example'))![1];
    const docker = run(example, 'docker');
    expect(docker.status).toBe(1);
    expect(docker.stderr).toContain('JWT_SECRET is still the example');
    expect(run(example, 'local').status).toBe(0);
  });

  it('enables the event exchange in both profiles: the engine tracks connections by identity from it', () => {
    for (const profile of ['local', 'docker']) {
      const plugins = brokerConfig.render({ JWT_SECRET: 'x'.repeat(32), STACK_ADMIN_PASSWORD: 'x', STACK_TLS_DIR: '/tls', STACK_CONFIG_DIR: '/etc' }, profile).enabled_plugins;
      expect([profile, plugins]).toEqual([profile, expect.stringMatching(/[[,]rabbitmq_event_exchange[,\]]/)]);
    }
  });

  it('serves AMQP over TLS only, to client certificates only (EXTERNAL), with the engine user from its definitions', () => {
    const files = brokerConfig.render({ JWT_SECRET: 'x'.repeat(32) }, 'docker');
    const conf = files['rabbitmq.conf'];
    expect(conf).toMatch(/^listeners\.tcp = none$/m);
    expect(conf).not.toMatch(/^listeners\.tcp\.default/m);
    expect(conf).toMatch(/^auth_mechanisms\.1 = EXTERNAL$/m);
    expect(conf).not.toMatch(/^auth_mechanisms\.2/m);
    expect(conf).toMatch(/^ssl_options\.verify = verify_peer$/m);
    // MQTT over TLS shares ssl_options (3.10) and logs in with tokens: a certificate-less TLS client
    // gets through the handshake, then finds no login (EXTERNAL only) on AMQP.
    expect(conf).toMatch(/^ssl_options\.fail_if_no_peer_cert = false$/m);
    expect(conf).toMatch(/^ssl_cert_login_from = common_name$/m);
    expect(files.enabled_plugins).toContain('rabbitmq_auth_mechanism_ssl');
    const defs = JSON.parse(files['definitions.json']) as { users: Array<{ name: string; password_hash: string; tags: string[] }> };
    expect(defs.users).toEqual([expect.objectContaining({ name: 'messaging-engine', password_hash: '', tags: [] })]);
  });

  it('serves MQTT over TLS and secure WebSocket with the broker certificate, and the plain listeners only while MQTT_PLAIN_ENABLED is not false', () => {
    const tlsDir = brokerConfig.DOCKER_PATHS.tls;
    const render = (extra: Record<string, string>) => brokerConfig.render({ JWT_SECRET: 'x'.repeat(32), ...extra }, 'docker')['rabbitmq.conf'];
    const on = render({});
    expect(on).toMatch(/^mqtt\.listeners\.ssl\.default = 0\.0\.0\.0:8883$/m);
    expect(on).toMatch(/^web_mqtt\.ssl\.port = 15676$/m);
    expect(on).toContain(`web_mqtt.ssl.certfile = ${tlsDir}/server.pem`);
    expect(on).toContain(`web_mqtt.ssl.keyfile = ${tlsDir}/server.key`);
    expect(on).toMatch(/^mqtt\.listeners\.tcp\.default = 0\.0\.0\.0:1883$/m);
    expect(on).toMatch(/^web_mqtt\.tcp\.port = 15675$/m);
    expect(render({ MQTT_PLAIN_ENABLED: 'true' })).toBe(on);

    const off = render({ MQTT_PLAIN_ENABLED: 'false' });
    expect(off).toMatch(/^mqtt\.listeners\.tcp = none$/m);
    expect(off).toMatch(/^web_mqtt\.tcp\.listener = none$/m);
    expect(off).not.toMatch(/^mqtt\.listeners\.tcp\.default/m);
    expect(off).not.toMatch(/^web_mqtt\.tcp\.(port|ip)/m);
    expect(off).toMatch(/^mqtt\.listeners\.ssl\.default = 0\.0\.0\.0:8883$/m);
    expect(off).toMatch(/^web_mqtt\.ssl\.port = 15676$/m);
  });

  it('refuses an MQTT_PLAIN_ENABLED that is not a boolean', () => {
    const result = spawnSync(process.execPath, ['scripts/broker-config.js', out, '--profile', 'docker'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, JWT_SECRET: 'x'.repeat(32), MQTT_PLAIN_ENABLED: 'maybe' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('MQTT_PLAIN_ENABLED must be true or false');
  });
});

/** `docker compose` where a docker client exists; the compose tests skip without one. */
const hasDocker = !spawnSync('docker', ['--version']).error;
if (!hasDocker) console.warn('docker/docker.spec.ts: no docker client on this machine; the compose checks are skipped');

function compose(args: string[], cwd = ROOT) {
  const result = spawnSync('docker', ['compose', ...args], { cwd, encoding: 'utf8' });
  if (result.status !== 0) {
    const hint = /unknown command/.test(result.stderr)
      ? ' (the docker client has no compose plugin: `npm test` builds one, see ensure_compose in scripts/lib/deps.sh)'
      : '';
    throw new Error(`docker compose ${args.join(' ')} failed (${result.status})${hint}: ${result.stderr}`);
  }
  return result.stdout;
}

interface ComposeService {
  command?: string[];
  depends_on?: Record<string, { condition: string; restart?: boolean }>;
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
  ports?: Array<{ target: number }>;
  volumes?: Array<{ source: string; target: string }>;
}
type ComposeProject = { services: Record<string, ComposeService> };

(hasDocker ? describe : describe.skip)(`docker/docker-compose.yml${hasDocker ? '' : ' (skipped: no docker client)'}`, () => {
  const COMPOSE_FILE = 'docker/docker-compose.yml';
  let project: ComposeProject;

  beforeAll(() => {
    // --no-env-resolution: a developer's .env (and its secrets) stays out of the output.
    project = JSON.parse(compose(['-f', COMPOSE_FILE, 'config', '--no-env-resolution', '--format', 'json']));
  });

  it('passes `docker compose config`', () => {
    expect(() => compose(['-f', COMPOSE_FILE, 'config', '--quiet'])).not.toThrow();
  });

  it("gives the engine and the broker's config renderer every .env setting; the container overrides win", () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    try {
      // The same file beside a fixture .env at the place of the repository's (../.env).
      mkdirSync(join(dir, 'docker'));
      copyFileSync(join(ROOT, COMPOSE_FILE), join(dir, COMPOSE_FILE));
      writeFileSync(
        join(dir, '.env'),
        'JWT_SECRET=fixture-secret-of-more-than-32-chars\nSOME_LATER_SETTING=42\nHTTP_HOST=127.0.0.1\nRABBITMQ_HOST=localhost\n',
      );
      const resolved = JSON.parse(compose(['-f', COMPOSE_FILE, 'config', '--format', 'json'], dir)) as ComposeProject;
      const { engine, 'broker-config': renderer } = resolved.services;
      expect(engine.environment).toMatchObject({
        JWT_SECRET: 'fixture-secret-of-more-than-32-chars',
        SOME_LATER_SETTING: '42',
        HTTP_HOST: '0.0.0.0',
        RABBITMQ_HOST: 'rabbitmq',
      });
      expect(renderer.environment).toMatchObject({ JWT_SECRET: 'fixture-secret-of-more-than-32-chars' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts the broker after its config is rendered, and the engine after healthy dependencies', () => {
    const { rabbitmq, mongodb, engine } = project.services;
    expect(rabbitmq.depends_on).toMatchObject({
      'broker-config': { condition: 'service_completed_successfully', restart: true },
    });
    expect(engine.depends_on).toMatchObject({
      rabbitmq: { condition: 'service_healthy' },
      mongodb: { condition: 'service_healthy' },
    });
    expect(rabbitmq.healthcheck?.test).toBeDefined();
    expect(mongodb.healthcheck?.test).toBeDefined();
  });

  it('renders the docker profile into the volume the broker mounts as /etc/rabbitmq', () => {
    const { 'broker-config': renderer, rabbitmq } = project.services;
    const volumeAt = (s: ComposeService, target: string) => s.volumes?.find((v) => v.target === target)?.source;
    expect(renderer.command?.join(' ')).toContain('node scripts/broker-config.js /etc/rabbitmq --profile docker');
    expect(volumeAt(rabbitmq, '/etc/rabbitmq')).toBeDefined();
    expect(volumeAt(rabbitmq, '/etc/rabbitmq')).toBe(volumeAt(renderer, '/etc/rabbitmq'));
  });

  it("publishes the ports the docker profile's listeners use and the image exposes", () => {
    const conf = brokerConfig.render({ JWT_SECRET: 'x'.repeat(32) }, 'docker')['rabbitmq.conf'];
    const port = (key: string) => Number(new RegExp(`^${key.replace(/\./g, '\\.')} = (?:\\S+:)?(\\d+)$`, 'm').exec(conf)?.[1]);
    const broker = {
      amqp: port('listeners.ssl.default'),
      mqtt: port('mqtt.listeners.tcp.default'),
      mqtts: port('mqtt.listeners.ssl.default'),
      webMqtt: port('web_mqtt.tcp.port'),
      webMqttTls: port('web_mqtt.ssl.port'),
      management: port('management.tcp.port'),
    };
    const { rabbitmq, engine } = project.services;
    const numeric = (a: number, b: number) => a - b;
    expect(rabbitmq.ports?.map((p) => p.target).sort(numeric)).toEqual(Object.values(broker).sort(numeric));
    expect(engine.ports?.map((p) => p.target)).toEqual([Number(imageEnv().HTTP_PORT)]);
    expect(engine.environment).toMatchObject({
      HTTP_PORT: imageEnv().HTTP_PORT,
      RABBITMQ_PORT: String(broker.amqp),
      RABBITMQ_MANAGEMENT_URL: `http://rabbitmq:${broker.management}`,
    });
  });

  it("hands the broker its certificate where the docker profile reads it, the engine its client certificate, and the CA's key to neither", () => {
    const { 'broker-certs': certs, rabbitmq, engine } = project.services;
    const volumeAt = (s: ComposeService, target: string) => s.volumes?.find((v) => v.target === target)?.source;
    const conf = brokerConfig.render({ JWT_SECRET: 'x'.repeat(32) }, 'docker')['rabbitmq.conf'];
    const tlsDir = brokerConfig.DOCKER_PATHS.tls;
    for (const file of ['ca.pem', 'server.pem', 'server.key']) expect(conf).toContain(`${tlsDir}/${file}`);
    expect(rabbitmq.depends_on).toMatchObject({ 'broker-certs': { condition: 'service_completed_successfully' } });
    const script = certs.command!.join(' ');
    expect(script).toContain('sh /opt/broker-certs.sh /pki rabbitmq'); // the server certificate names the service
    expect(volumeAt(certs, '/opt/broker-certs.sh')).toMatch(/scripts\/broker-certs\.sh$/);

    // The broker's directory: what broker-certs copies into the volume the broker mounts at tlsDir.
    expect(volumeAt(rabbitmq, tlsDir)).toBe(volumeAt(certs, '/broker-tls'));
    expect(script).toMatch(/cp \/pki\/ca\.pem \/pki\/server\.pem \/pki\/server\.key \/broker-tls\//);

    // The engine's files, mounted where its RABBITMQ_TLS_* settings point.
    const env = engine.environment!;
    const engineDir = env.RABBITMQ_TLS_CERT_FILE.replace(/\/[^/]+$/, '');
    for (const name of ['RABBITMQ_TLS_CA_FILE', 'RABBITMQ_TLS_CERT_FILE', 'RABBITMQ_TLS_KEY_FILE']) expect(env[name].startsWith(`${engineDir}/`)).toBe(true);
    expect(volumeAt(engine, engineDir)).toBe(volumeAt(certs, '/engine-tls'));
    expect(script).toMatch(/cp \/pki\/ca\.pem \/pki\/engine\.pem \/pki\/engine\.key \/engine-tls\//);

    // The CA's key stays in broker-pki, which no running service mounts.
    const pki = volumeAt(certs, '/pki');
    for (const service of [rabbitmq, engine]) expect(service.volumes?.map((v) => v.source)).not.toContain(pki);
  });
});
