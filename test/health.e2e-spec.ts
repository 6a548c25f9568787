import { readFileSync } from 'node:fs';
import { adminApi } from './support/admin-api';
import { eventually } from './support/database';
import { EngineProcess, spawnEngine, startEngine, waitForStatus } from './support/engine';
import { stack } from './support/stack';
import { servers } from './support/test-env';

describe('health and boot', () => {
  let engine: EngineProcess;

  beforeAll(async () => {
    engine = await startEngine('health');
  });

  afterAll(async () => {
    await engine?.stop();
  });

  it('answers liveness without dependencies and readiness with both up', async () => {
    const live = await fetch(`${engine.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });

    const ready = await fetch(`${engine.url}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as Record<string, any>;
    expect(body.status).toBe('ok');
    expect(body.details.database.status).toBe('up');
    expect(body.details.broker).toMatchObject({ status: 'up', publisher: 'ready', consuming: true });
  });

  it('serves the Swagger UI at /docs and the OpenAPI document at /docs-json', async () => {
    const ui = await fetch(`${engine.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
    const doc = (await (await fetch(`${engine.url}/docs-json`)).json()) as Record<string, any>;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
  });

  it("documents each error with its own code and status, and query parameters with a default as optional", async () => {
    const doc = (await (await fetch(`${engine.url}/docs-json`)).json()) as Record<string, any>;
    const examples: string[] = [];
    const queries: string[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const op of Object.values<Record<string, any>>(item)) {
        for (const [status, response] of Object.entries<Record<string, any>>(op.responses)) {
          const shown = response.content?.['application/json']?.examples ?? {};
          for (const [name, example] of Object.entries<Record<string, any>>(shown)) {
            examples.push(`${path} ${status} ${name}: ${example.value.statusCode} ${example.value.code}`);
          }
        }
        for (const param of op.parameters ?? []) if (param.in === 'query') queries.push(`${path} ?${param.name} required=${param.required}`);
      }
    }
    // One per status, each naming itself (e.g. never a 404 USER_NOT_FOUND shown under a 400).
    expect(examples).toContain('/admin/v1/users/{userId} 404 USER_NOT_FOUND: 404 USER_NOT_FOUND');
    expect(examples).toContain('/admin/v1/users/{userId} 400 VALIDATION_FAILED: 400 VALIDATION_FAILED');
    expect(examples).toContain('/admin/v1/users/{userId}/tokens 409 USER_DISABLED: 409 USER_DISABLED');
    expect(examples).toContain('/admin/v1/users 429 RATE_LIMITED: 429 RATE_LIMITED');
    expect(examples.filter((e) => !/ (\d+) (\w+): \1 \2$/.test(e))).toEqual([]);
    expect(queries).toContain('/admin/v1/users ?limit required=false');
    expect(queries).toContain('/admin/v1/users/{userId}/conversations/{peerId}/messages ?order required=false');
    expect(queries).toContain('/admin/v1/dead-letters ?limit required=false');
    expect(queries.filter((q) => q.endsWith('required=true'))).toEqual([]);
  });

  it('sends security headers (helmet) on every answer, none saying x-powered-by, with a policy the Swagger UI fits', async () => {
    const answers = [
      await fetch(`${engine.url}/health/live`),
      await fetch(`${engine.url}/metrics`),
      await fetch(`${engine.url}/admin/v1/users`), // 401
      await fetch(`${engine.url}/docs`),
    ];
    for (const res of answers) {
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(res.headers.get('content-security-policy')).not.toMatch(/upgrade-insecure-requests/);
      await res.arrayBuffer();
    }
    const ui = answers[3];
    expect(ui.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    const html = await (await fetch(`${engine.url}/docs`)).text();
    const scripts = [...html.matchAll(/<script[^>]*src=["']([^"']+)["'][^>]*>\s*<\/script>/g)].map((m) => m[1]);
    expect(scripts.length).toBe((html.match(/<script/g) ?? []).length); // no inline script, which the policy would block
    for (const src of scripts) {
      const file = await fetch(new URL(src, `${engine.url}/docs`));
      expect([src, file.status]).toEqual([src, 200]);
      await file.arrayBuffer();
    }
  });

  it('writes its log as JSON lines when stdout is not a terminal, in development too', async () => {
    const dev = await startEngine('health-dev-log', { NODE_ENV: 'development' });
    await dev.stop();
    const lines = readFileSync(dev.logFile, 'utf8').split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(expect.arrayContaining(['messaging-engine started']));
  });

  it('logs admin requests but not health probes or metrics scrapes', async () => {
    await fetch(`${engine.url}/metrics`);
    await fetch(`${engine.url}/metrics?probe=1`);
    await fetch(`${engine.url}/health/ready`);
    const marker = `log-check-${Date.now()}`;
    await adminApi(engine.url).get(`users/${marker}`);
    const requestLines = () =>
      readFileSync(engine.logFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"req":'))
        .map((l) => (JSON.parse(l) as { req: { url: string } }).req.url);
    await eventually(async () => requestLines().some((url) => url.includes(marker)), 5000, 'the admin request logged');
    expect(requestLines().filter((url) => url.startsWith('/metrics') || url.startsWith('/health'))).toEqual([]);
  });

  (servers.external.database ? it.skip : it)(
    'turns readiness to 503 naming the database while it is stopped, and back to 200 after',
    async () => {
      await stack('stop', 'ferretdb');
      try {
        const down = (await waitForStatus(`${engine.url}/health/ready`, 503, 20_000)) as Record<string, any>;
        expect(down.status).toBe('error');
        expect(down.details.database.status).toBe('down');
        expect(down.details.broker.status).toBe('up');
        const live = await fetch(`${engine.url}/health/live`);
        expect(live.status).toBe(200);
      } finally {
        await stack('start', 'ferretdb');
      }
      await waitForStatus(`${engine.url}/health/ready`, 200, 30_000);
    },
  );

  it('answers 503 when the database cannot be reached at all', async () => {
    const lost = await spawnEngine('no-db', { MONGODB_URI: 'mongodb://127.0.0.1:9/none' });
    try {
      const body = (await waitForStatus(`${lost.url}/health/ready`, 503, 20_000)) as Record<string, any>;
      expect(body.details.database.status).toBe('down');
    } finally {
      await lost.stop();
    }
  });
});

describe('configuration errors', () => {
  it.each([
    ['RABBITMQ_PORT', 'abc'],
    ['HTTP_PORT', '70000'],
    ['JWT_SECRET', 'short'],
    ['PATH_PREFIX', 'apps/+/users'],
    ['MONGODB_URI', 'http://not-mongo'],
  ])('exits non-zero naming %s when it is %p', async (name, value) => {
    const engine = await spawnEngine(`bad-${name}`, { [name]: value });
    const code = await engine.exited;
    expect(code).toBe(1);
    const log = readFileSync(engine.logFile, 'utf8');
    expect(log).toContain(name);
    expect(log).toContain('invalid configuration');
  });

  it('exits non-zero when JWT_SECRET is missing', async () => {
    const engine = await spawnEngine('no-secret', { JWT_SECRET: '' });
    expect(await engine.exited).toBe(1);
    expect(readFileSync(engine.logFile, 'utf8')).toMatch(/JWT_SECRET \(not set\)/);
  });
});
