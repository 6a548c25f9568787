import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import { adminApi } from './support/admin-api';
import { mqttConnectWithToken, uid } from './support/broker';
import { closeTestDb } from './support/database';
import { EngineProcess, spawnEngine, startEngine } from './support/engine';
import { ROOT, TEST_STACK } from './support/test-env';

const WS_URL = `ws://127.0.0.1:${TEST_STACK.STACK_WS_MQTT_PORT}/ws`;

async function signIn(engineUrl: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${engineUrl}/v1/dev/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('development sign-in (DEV_SIGN_IN=true)', () => {
  let engine: EngineProcess;

  beforeAll(async () => {
    engine = await startEngine('dev-sign-in', { DEV_SIGN_IN: 'true', REQUIRE_REGISTERED_RECIPIENTS: 'true', MQTT_WS_URL: WS_URL });
  });
  afterAll(async () => {
    await engine?.stop();
    await closeTestDb();
  });

  it('registers a new user and returns a token the broker takes, with the WebSocket URL for browsers', async () => {
    const user = uid('dev');
    const res = await signIn(engine.url, { userId: user });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ expires_in: 3600, client_id_prefix: `${user}~` });
    expect(res.body.mqtt_urls).toEqual([expect.stringMatching(/^mqtt:\/\//), WS_URL]); // MQTT_WS_URL last
    expect(jwt.decode(res.body.token)).toMatchObject({ sub: user });
    const registered = await adminApi(engine.url).get(`users/${user}`);
    expect([registered.status, registered.body.display_name, registered.body.disabled]).toEqual([200, user, false]);
    // A browser's way in: MQTT over WebSocket with the token.
    const client = await mqttConnectWithToken(WS_URL, res.body.token, `${user}~browser`);
    await client.endAsync();
  });

  it('signs an existing user in without touching their profile', async () => {
    const user = uid('dev-old');
    const admin = adminApi(engine.url);
    expect((await admin.put(`users/${user}`, { display_name: 'Old Name', metadata: { a: 1 } })).status).toBe(201);
    expect((await signIn(engine.url, { userId: user })).status).toBe(200);
    expect((await admin.get(`users/${user}`)).body).toMatchObject({ display_name: 'Old Name', metadata: { a: 1 } });
  });

  it('gives a disabled user no token', async () => {
    const user = uid('dev-off');
    const admin = adminApi(engine.url);
    await admin.put(`users/${user}`, { display_name: 'Off' });
    await admin.put(`users/${user}/status`, { disabled: true, reason: 'test' });
    const res = await signIn(engine.url, { userId: user });
    expect([res.status, res.body.code]).toEqual([409, 'USER_DISABLED']);
  });

  it('refuses what is not a user id, and odd bodies, with the error envelope', async () => {
    const bad: unknown[] = [
      {},
      { userId: '' },
      { userId: 'a/b' },
      { userId: 'x'.repeat(65) },
      { userId: 'group-abc' },
      { userId: 'presence' },
      { userId: { $gt: '' } },
      { userId: ['alice'] },
      { userId: 12345 },
      { userId: 'alice', admin: true },
      '{"userId": ',
      '[]',
      JSON.stringify({ userId: JSON.parse('['.repeat(40) + ']'.repeat(40)) }),
    ];
    for (const body of bad) {
      const res = await signIn(engine.url, body);
      expect([JSON.stringify(body).slice(0, 60), res.status, res.body?.code]).toEqual([JSON.stringify(body).slice(0, 60), 400, 'VALIDATION_FAILED']);
    }
    const text = await fetch(`${engine.url}/v1/dev/sign-in`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'alice' });
    expect(text.status).toBe(415);
  });

  it('is documented in Swagger, without the admin security scheme', async () => {
    const doc = (await (await fetch(`${engine.url}/docs-json`)).json()) as any;
    const op = doc.paths['/v1/dev/sign-in']?.post;
    expect(op).toBeDefined();
    expect(op.security).toBeUndefined();
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '409']));
  });

  it("serves the web app at /app with the engine's security headers, letting it reach the broker's WebSocket", async () => {
    const res = await fetch(`${engine.url}/app/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<script type="module" crossorigin src="\/app\/assets\/index-[\w-]+\.js"><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*src=)[^>]*>/); // no inline script: script-src 'self' would block it
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const script = /src="(\/app\/assets\/[^"]+\.js)"/.exec(html)![1];
    const asset = await fetch(`${engine.url}${script}`);
    expect([asset.status, asset.headers.get('content-type')]).toEqual([200, expect.stringMatching(/javascript/)]);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect((await fetch(`${engine.url}/app/../.env`)).status).toBe(404);
  });
});

describe('development sign-in off', () => {
  it('does not exist by default: 404, and not in Swagger', async () => {
    const engine = await startEngine('dev-sign-in-off');
    try {
      const res = await signIn(engine.url, { userId: uid('nobody') });
      expect([res.status, res.body.code]).toEqual([404, 'NOT_FOUND']);
      const doc = (await (await fetch(`${engine.url}/docs-json`)).json()) as any;
      expect(doc.paths['/v1/dev/sign-in']).toBeUndefined();
    } finally {
      await engine.stop();
    }
  });

  it('refuses to boot with NODE_ENV=production, saying why', async () => {
    const engine = await spawnEngine('dev-sign-in-prod', { NODE_ENV: 'production', DEV_SIGN_IN: 'true' });
    expect(await engine.exited).toBe(1);
    expect(readFileSync(engine.logFile, 'utf8')).toMatch(/DEV_SIGN_IN=true is refused with NODE_ENV=production/);
  });

  it("is on in the .env that npm start creates, under a comment saying what it is; off in .env.example", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dev-env-'));
    try {
      await promisify(execFile)('bash', ['-c', 'source scripts/lib/common.sh && ensure_secrets "$1" .env.example', '_', `${dir}/.env`], { cwd: ROOT });
      const created = readFileSync(`${dir}/.env`, 'utf8');
      expect(created).toMatch(/^# Development sign-in: .*\n(#.*\n)*DEV_SIGN_IN=true$/m);
      expect(readFileSync(join(ROOT, '.env.example'), 'utf8')).toMatch(/^DEV_SIGN_IN=false$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
