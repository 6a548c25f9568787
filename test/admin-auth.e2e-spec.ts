import { readFileSync } from 'node:fs';
import jwt from 'jsonwebtoken';
import { adminApi } from './support/admin-api';
import { uid } from './support/broker';
import { EngineProcess, spawnEngine, startEngine } from './support/engine';
import { TEST_ADMIN_API_KEY, TEST_ADMIN_JWT_SECRET, TEST_JWT_SECRET } from './support/test-env';

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;
const WRONG_KEY = 'e2e-wrong-admin-key-0123456789abcdefghijkl';

/** An admin JWT signed with the test engine's ADMIN_JWT_SECRET (or another secret). */
function adminJwt(claims: Record<string, unknown>, { secret = TEST_ADMIN_JWT_SECRET, ttl = 300 } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ sub: 'e2e-operator', iat: now, exp: now + ttl, ...claims }, secret, { algorithm: 'HS256' });
}

interface Operation {
  method: (typeof METHODS)[number];
  path: string;
  security?: Array<Record<string, string[]>>;
}

async function call(url: string, method: string, authorization?: string) {
  const res = await fetch(url, { method: method.toUpperCase(), headers: authorization ? { authorization } : {} });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

describe('admin API authentication', () => {
  let engine: EngineProcess;
  let doc: Record<string, any>;
  let operations: Operation[];

  beforeAll(async () => {
    engine = await startEngine('admin-auth');
    doc = (await (await fetch(`${engine.url}/docs-json`)).json()) as Record<string, any>;
    operations = Object.entries<Record<string, any>>(doc.paths)
      .filter(([path]) => path.startsWith('/admin/v1/'))
      .flatMap(([path, item]) =>
        METHODS.filter((m) => item[m]).map((method) => ({ method, path, security: item[method].security as Operation['security'] })),
      );
  });

  afterAll(async () => {
    await engine?.stop();
  });

  const urlOf = (op: Operation) => `${engine.url}${op.path.replace(/\{[^}]+\}/g, 'e2e-user')}`;

  it('answers 401 with WWW-Authenticate: Bearer to every admin operation in the OpenAPI document without a credential', async () => {
    // Users, blocks, conversations, messages, tokens: a new route shows up here by itself.
    expect(operations.length).toBeGreaterThanOrEqual(15);
    for (const op of operations) {
      const where = `${op.method.toUpperCase()} ${op.path}`;
      const res = await call(urlOf(op), op.method);
      expect({ where, status: res.status, code: res.body?.code }).toEqual({ where, status: 401, code: 'UNAUTHORIZED' });
      expect({ where, challenge: res.headers.get('www-authenticate') }).toEqual({ where, challenge: 'Bearer realm="admin"' });
      expect(res.body).toEqual({ statusCode: 401, code: 'UNAUTHORIZED', message: expect.stringMatching(/Authorization: Bearer/) });
    }
  });

  it('answers 401 invalid_token to a wrong key, a key in another scheme, and a broker-key JWT', async () => {
    const wrong = [`Bearer ${WRONG_KEY}`, `Basic ${TEST_ADMIN_API_KEY}`, `Bearer ${adminJwt({ role: 'admin' }, { secret: TEST_JWT_SECRET })}`];
    for (const [i, op] of operations.slice(0, 3).entries()) {
      const res = await call(urlOf(op), op.method, wrong[i]);
      expect({ op: op.path, status: res.status, code: res.body?.code }).toEqual({ op: op.path, status: 401, code: 'UNAUTHORIZED' });
    }
    const res = await call(`${engine.url}/admin/v1/users`, 'get', `Bearer ${WRONG_KEY}`);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="admin", error="invalid_token"');
  });

  it('marks every admin operation as needing the bearer scheme, which the Swagger UI offers', () => {
    expect(doc.components.securitySchemes.admin).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const op of operations) {
      const where = `${op.method.toUpperCase()} ${op.path}`;
      expect({ where, security: op.security }).toEqual({ where, security: [{ admin: [] }] });
      expect({ where, responses: Object.keys(doc.paths[op.path][op.method].responses) }).toEqual({
        where,
        responses: expect.arrayContaining(['401', '403', '429']),
      });
    }
    expect(doc.paths['/health/ready'].get.security).toBeUndefined();
  });

  it('keeps health, metrics and the docs public', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics', '/docs', '/docs-json']) {
      expect({ path, status: (await fetch(`${engine.url}${path}`)).status }).toEqual({ path, status: 200 });
    }
  });

  it('lets the API key and an admin JWT with the admin role in', async () => {
    const id = uid('auth');
    expect((await adminApi(engine.url).put(`users/${id}`, { display_name: 'A' })).status).toBe(201);
    for (const claims of [{ role: 'admin' }, { roles: ['support', 'admin'] }]) {
      const res = await adminApi(engine.url, adminJwt(claims)).get(`users/${id}`);
      expect({ claims, status: res.status }).toEqual({ claims, status: 200 });
    }
  });

  it('answers 403 to an admin JWT without the admin role and 401 to an expired one', async () => {
    const forbidden = await adminApi(engine.url, adminJwt({ roles: ['support'] })).get('users');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual({ statusCode: 403, code: 'FORBIDDEN', message: expect.stringMatching(/admin role/) });
    const expired = await adminApi(engine.url, adminJwt({ role: 'admin' }, { ttl: -60 })).get('users');
    expect([expired.status, expired.body.code, expired.body.message]).toEqual([401, 'UNAUTHORIZED', 'admin token expired']);
  });

  it('never writes a credential into its log', async () => {
    const token = adminJwt({ role: 'admin' });
    await adminApi(engine.url, token).get('users');
    await adminApi(engine.url, WRONG_KEY).get('users');
    await new Promise((r) => setTimeout(r, 300)); // the log stream flushes
    const log = readFileSync(engine.logFile, 'utf8');
    expect(log).toMatch(/admin request refused/);
    for (const secret of [TEST_ADMIN_API_KEY, WRONG_KEY, token, TEST_ADMIN_JWT_SECRET]) expect(log).not.toContain(secret);
  });
});

describe('admin API rate limit', () => {
  let engine: EngineProcess;

  beforeAll(async () => {
    engine = await startEngine('admin-rate-limit', { ADMIN_RATE_LIMIT_PER_MINUTE: '5' });
  });

  afterAll(async () => {
    await engine?.stop();
  });

  it('answers 429 RATE_LIMITED with Retry-After beyond the limit per minute, counting refused credentials, never on health', async () => {
    const api = adminApi(engine.url);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await api.get('users?limit=1')).status);
    statuses.push((await adminApi(engine.url, WRONG_KEY).get('users')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 401]);

    const limited = await api.get('users?limit=1');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ statusCode: 429, code: 'RATE_LIMITED', message: expect.stringMatching(/retry in \d+ s/) });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect((await adminApi(engine.url, null).get('users')).status).toBe(429); // ahead of authentication
    expect((await fetch(`${engine.url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${engine.url}/metrics`)).status).toBe(200);
  });
});

describe('admin API without any admin credential configured', () => {
  it('stays shut (401 naming the settings, a warning at boot) outside production', async () => {
    const engine = await startEngine('admin-unconfigured', { ADMIN_API_KEY: '', ADMIN_JWT_SECRET: '' });
    try {
      const res = await call(`${engine.url}/admin/v1/users`, 'get', `Bearer ${TEST_ADMIN_API_KEY}`);
      expect([res.status, res.body?.code]).toEqual([401, 'UNAUTHORIZED']);
      expect(res.body?.message).toMatch(/not configured.*ADMIN_API_KEY or ADMIN_JWT_SECRET/);
      expect(readFileSync(engine.logFile, 'utf8')).toMatch(/neither ADMIN_API_KEY nor ADMIN_JWT_SECRET is set/);
    } finally {
      await engine.stop();
    }
  });

  it('refuses to start in production, naming the settings', async () => {
    const engine = await spawnEngine('admin-unconfigured-prod', { NODE_ENV: 'production', ADMIN_API_KEY: '', ADMIN_JWT_SECRET: '' });
    expect(await engine.exited).toBe(1);
    expect(readFileSync(engine.logFile, 'utf8')).toMatch(/ADMIN_API_KEY or ADMIN_JWT_SECRET \(not set\)/);
  });
});
