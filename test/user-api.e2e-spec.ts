// The user API (/v1/me, docs/user-api.md) against the real broker, engine and database: every route
// refuses a missing, expired, foreign-key and disabled user's token; a user never gets another's
// data however they name it; paging both ways and around a message; the archived filter; group
// rules; token refresh; CORS on and off; the per-user rate limit; hostile input.
import jwt from 'jsonwebtoken';
import { MqttClient } from 'mqtt';
import { refreshTokenFrom } from '@app/client';
import { userGrants } from '@app/protocol';
import { AdminApi, adminApi, ApiReply } from './support/admin-api';
import { layout, mqttConnect, signToken, uid, userToken } from './support/broker';
import { closeTestDb, eventually } from './support/database';
import { EngineProcess, startEngine } from './support/engine';
import { TEST_ADMIN_API_KEY, TEST_JWT_KEY_ID, TEST_JWT_SECRET } from './support/test-env';

const PREVIOUS_KID = 'e2e-0';
const PREVIOUS_SECRET = 'e2e-previous-key-not-for-production-0123456789';
const ORIGIN = 'http://chat.example.test';

const clients: MqttClient[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await closeTestDb();
});

type Me = ReturnType<typeof meApi>;

/** The user API with a token (or none: null), a raw string body sent as is, and extra headers. */
function meApi(engineUrl: string, token: string | null) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiReply> => {
    const res = await fetch(`${engineUrl}/v1/me${path}`, {
      method,
      headers: {
        ...(token !== null && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  return {
    call,
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body),
    put: (path: string, body?: unknown) => call('PUT', path, body),
    patch: (path: string, body?: unknown) => call('PATCH', path, body),
    delete: (path: string) => call('DELETE', path),
  };
}

async function register(api: AdminApi, name: string): Promise<string> {
  const id = uid(name);
  const created = await api.put(`users/${id}`, { display_name: name });
  expect(created.status).toBe(201);
  return id;
}

describe('user API', () => {
  let engine: EngineProcess;
  let api: AdminApi;
  let a: string;
  let b: string;
  let c: string;
  let aClient: MqttClient;
  let asA: Me;
  let asB: Me;
  let asC: Me;
  /** A's messages to C, oldest first: their ids and texts (texts carry a marker no one but A and C may see). */
  let direct: Array<{ id: string; text: string }>;
  let groupId: string;
  const SECRET = `secret-${Math.random().toString(36).slice(2)}`;

  const send = (from: MqttClient, sender: string, to: string, text: string) =>
    from.publishAsync(layout.outgoing(sender, to), JSON.stringify({ text, client_message_id: text }), { qos: 1 });

  /** Every page of a conversation, following next_cursor. */
  async function allPages(as: Me, peer: string, query: string): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await as.get(`/conversations/${peer}/messages?${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      pages.push(res.body.items.map((m: { text: string }) => m.text));
      cursor = res.body.next_cursor;
    } while (cursor);
    return pages;
  }

  beforeAll(async () => {
    engine = await startEngine('user-api', { JWT_PREVIOUS_KEYS: `${PREVIOUS_KID}:${PREVIOUS_SECRET}`, CORS_ORIGINS: ORIGIN });
    api = adminApi(engine.url);
    [a, b, c] = [await register(api, 'ua-a'), await register(api, 'ua-b'), await register(api, 'ua-c')];
    [asA, asB, asC] = [a, b, c].map((id) => meApi(engine.url, userToken(id)));
    aClient = await mqttConnect(a);
    clients.push(aClient);
    for (let i = 1; i <= 7; i++) await send(aClient, a, c, `${SECRET} a-to-c ${i}`);
    const stored = await eventually(async () => {
      const res = await asA.get(`/conversations/${c}/messages?limit=50`);
      return res.body.items.length === 7 && res.body.items;
    }, 15_000, 'seven messages stored');
    direct = stored.map((m: { message_id: string; text: string }) => ({ id: m.message_id, text: m.text }));
    const created = await asA.post('/groups', { name: `${SECRET} group`, members: [c] });
    expect(created.status).toBe(201);
    groupId = created.body.group_id;
    await send(aClient, a, groupId, `${SECRET} in the group`);
    await eventually(async () => (await asC.get(`/conversations/${groupId}/messages`)).body.items?.some((m: { text: string }) => m.text.endsWith('in the group')), 15_000, 'group message stored');
  });

  afterAll(async () => {
    await engine?.stop();
  });

  /** Every route of the contract, with ids of A's world. */
  const routes = (): Array<[string, string, unknown?]> => [
    ['GET', ''],
    ['POST', '/token'],
    ['GET', '/conversations'],
    ['GET', `/conversations/${c}/messages`],
    ['PUT', `/conversations/${c}/archive`],
    ['DELETE', `/conversations/${c}/archive`],
    ['GET', '/groups'],
    ['POST', '/groups', { name: 'x', members: [c] }],
    ['GET', `/groups/${groupId}`],
    ['PATCH', `/groups/${groupId}`, { name: 'renamed' }],
    ['POST', `/groups/${groupId}/members`, { members: [b] }],
    ['DELETE', `/groups/${groupId}/members/${c}`],
    ['GET', '/blocks'],
    ['PUT', `/blocks/${c}`],
    ['DELETE', `/blocks/${c}`],
    ['GET', '/presence'],
    ['PUT', '/presence', { status: 'away' }],
    ['POST', '/presence/query', { users: [a] }],
    ['GET', '/connections'],
    ['DELETE', '/connections/some-connection'],
  ];

  it('answers 401 on every route without a token, with an expired one, one of another key, of an unknown user, of a disabled user (USER_DISABLED), and to an admin credential', async () => {
    const d = await register(api, 'ua-disabled');
    expect((await api.put(`users/${d}/status`, { disabled: true, reason: 'test' })).status).toBe(200);
    const grants = (id: string) => ({ sub: id, scope: userGrants(layout, id, 'rabbitmq').scopes });
    const refused: Array<[string, string | null, string]> = [
      ['no token', null, 'UNAUTHORIZED'],
      ['an expired token', signToken(grants(a), { ttl: -60 }), 'UNAUTHORIZED'],
      ['a token signed with another secret', signToken(grants(a), { secret: 'another-secret-of-more-than-32-characters!' }), 'UNAUTHORIZED'],
      ['a token of an unknown kid', signToken(grants(a), { kid: 'nobody' }), 'UNAUTHORIZED'],
      ['a token for another audience', signToken({ ...grants(a), aud: ['elsewhere'] }), 'UNAUTHORIZED'],
      ['a service token (grants beyond a user)', signToken({ sub: a, scope: ['rabbitmq.tag:administrator', 'rabbitmq.read:*/*/*'] }), 'UNAUTHORIZED'],
      ['alg=none', jwt.sign(grants(a), '', { algorithm: 'none' }), 'UNAUTHORIZED'],
      ["an unregistered user's token", userToken(uid('ua-ghost')), 'UNAUTHORIZED'],
      ['the admin API key', TEST_ADMIN_API_KEY, 'UNAUTHORIZED'],
      ["a disabled user's token", userToken(d), 'USER_DISABLED'],
    ];
    for (const [name, token, code] of refused) {
      const as = meApi(engine.url, token);
      for (const [method, path, body] of routes()) {
        const res = await as.call(method, path, body);
        expect({ name, route: `${method} ${path}`, status: res.status, code: res.body?.code }).toEqual({ name, route: `${method} ${path}`, status: 401, code });
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="user"/);
      }
    }
  });

  it('takes a token signed with the previous key, and no user token on the admin API', async () => {
    const previous = signToken({ sub: a, scope: userGrants(layout, a, 'rabbitmq').scopes }, { secret: PREVIOUS_SECRET, kid: PREVIOUS_KID });
    const res = await meApi(engine.url, previous).get('');
    expect(res.status).toBe(200);
    expect(res.body.user_id).toBe(a);
    const admin = adminApi(engine.url, userToken(a));
    for (const path of [`users/${a}`, 'users', `users/${a}/conversations`]) {
      expect((await admin.get(path)).status).toBe(401);
    }
  });

  it("gives my own record, and ignores any other user named in the query", async () => {
    const res = await asB.call('GET', `?user_id=${a}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user_id: b, display_name: 'ua-b', disabled: false });
  });

  it('refreshes a token: the same grants and lifetime, a later expiry, and it works; refused once the user is disabled', async () => {
    const e = await register(api, 'ua-refresh');
    const presented = signToken({ sub: e, scope: userGrants(layout, e, 'rabbitmq').scopes }, { ttl: 300 });
    const before = jwt.decode(presented) as { exp: number };
    await new Promise((r) => setTimeout(r, 1100));
    const res = await meApi(engine.url, presented).post('/token');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ expires_in: 300, client_id_prefix: `${e}~`, publish: userGrants(layout, e, 'rabbitmq').publish });
    const fresh = jwt.verify(res.body.token, TEST_JWT_SECRET, { audience: 'rabbitmq' }) as { sub: string; scope: string[]; exp: number };
    expect(fresh.sub).toBe(e);
    expect(fresh.scope).toEqual(userGrants(layout, e, 'rabbitmq').scopes);
    expect(fresh.exp).toBeGreaterThan(before.exp);
    expect((jwt.decode(res.body.token, { complete: true }) as { header: { kid: string } }).header.kid).toBe(TEST_JWT_KEY_ID);
    expect((await meApi(engine.url, res.body.token).get('')).body.user_id).toBe(e);

    expect((await api.put(`users/${e}/status`, { disabled: true, reason: 'test' })).status).toBe(200);
    const refused = await eventually(async () => {
      const r = await meApi(engine.url, res.body.token).post('/token');
      return r.status === 401 && r;
    }, 5000, 'refresh refused');
    expect(refused.body.code).toBe('USER_DISABLED');
  });

  it("refreshes through the SDK's refreshTokenFrom, twice in a row, each fresh token working", async () => {
    const getToken = refreshTokenFrom(engine.url, userToken(b));
    const first = await getToken();
    const second = await getToken();
    expect(getToken.expiresAt).toBeGreaterThan(Date.now());
    for (const token of [first, second]) expect((await meApi(engine.url, token).get('')).body.user_id).toBe(b);
  });

  it('pages a conversation both ways and around a message, with receipts', async () => {
    const texts = direct.map((m) => m.text);
    expect(await allPages(asA, c, 'limit=3')).toEqual([texts.slice(0, 3), texts.slice(3, 6), texts.slice(6)]);
    expect(await allPages(asC, a, 'limit=3&order=desc')).toEqual([texts.slice(4).reverse(), texts.slice(1, 4).reverse(), texts.slice(0, 1)]);
    const first = await asA.get(`/conversations/${c}/messages?limit=2`);
    expect(first.body.items.every((m: { receipt: string }) => ['sent', 'delivered', 'read'].includes(m.receipt))).toBe(true);

    const around = await asA.get(`/conversations/${c}/messages?limit=3&around=${direct[3].id}`);
    expect(around.status).toBe(200);
    expect(around.body.items.map((m: { text: string }) => m.text)).toEqual(texts.slice(2, 5));
    const newer = await asA.get(`/conversations/${c}/messages?limit=3&cursor=${around.body.next_cursor}`);
    expect(newer.body.items.map((m: { text: string }) => m.text)).toEqual(texts.slice(5));
    const older = await asA.get(`/conversations/${c}/messages?limit=3&order=desc&cursor=${around.body.prev_cursor}`);
    expect(older.body.items.map((m: { text: string }) => m.text)).toEqual(texts.slice(0, 2).reverse());

    const aroundDesc = await asC.get(`/conversations/${a}/messages?limit=4&order=desc&around=${direct[1].id}`);
    expect(aroundDesc.body.items.map((m: { text: string }) => m.text)).toEqual([texts[3], texts[2], texts[1], texts[0]]);
    expect(aroundDesc.body.next_cursor).toBeNull();
    expect(aroundDesc.body.prev_cursor).toEqual(expect.any(String));

    const both = await asA.get(`/conversations/${c}/messages?around=${direct[3].id}&cursor=${around.body.next_cursor}`);
    expect([both.status, both.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const elsewhere = await asA.get(`/conversations/${b}/messages?around=${direct[3].id}`);
    expect([elsewhere.status, elsewhere.body.code]).toEqual([404, 'MESSAGE_NOT_FOUND']);

    // A group's timeline pages around a message too, for its members.
    const latest = (await asC.get(`/conversations/${groupId}/messages?order=desc&limit=1`)).body.items[0];
    const inGroup = await asC.get(`/conversations/${groupId}/messages?limit=5&around=${latest.message_id}`);
    expect(inGroup.status).toBe(200);
    expect(inGroup.body.items.map((m: { message_id: string }) => m.message_id)).toContain(latest.message_id);
    expect(inGroup.body.next_cursor).toBeNull();
    expect((await asA.get(`/conversations/${groupId}/messages?around=${direct[0].id}`)).body.code).toBe('MESSAGE_NOT_FOUND');
  });

  it('lists my conversations with the archived filter', async () => {
    const peers = async (archived?: boolean) =>
      (await asA.get(`/conversations${archived === undefined ? '' : `?archived=${archived}`}`)).body.items.map((x: { peer: string }) => x.peer);
    await eventually(async () => (await peers()).includes(c) && (await peers()).includes(groupId), 10_000, "A's summaries");
    expect((await asA.put(`/conversations/${c}/archive`)).status).toBe(204);
    expect(await peers()).not.toContain(c);
    expect(await peers(false)).not.toContain(c);
    expect(await peers(true)).toEqual([c]);
    expect((await asA.delete(`/conversations/${c}/archive`)).status).toBe(204);
    expect(await peers()).toContain(c);
    expect(await peers(true)).toEqual([]);
    expect((await asA.put(`/conversations/${b}/archive`)).body.code).toBe('MESSAGE_NOT_FOUND');
  });

  it('applies the group rules: members only, owner and admins add and remove, anyone leaves, the owner does not', async () => {
    const g = await asA.post('/groups', { name: 'Team', members: [c] });
    expect(g.status).toBe(201);
    expect(g.body).toMatchObject({ owner: a, name: 'Team' });
    const id = g.body.group_id as string;
    expect((await asC.get(`/groups/${id}`)).body.members.map((m: { user_id: string }) => m.user_id).sort()).toEqual([a, c].sort());
    expect((await asB.get(`/groups/${id}`)).body.code).toBe('GROUP_NOT_FOUND');
    expect((await asC.post(`/groups/${id}/members`, { members: [b] })).body.code).toBe('FORBIDDEN');
    expect((await asC.patch(`/groups/${id}`, { name: 'Mine' })).body.code).toBe('FORBIDDEN');
    const added = await asA.post(`/groups/${id}/members`, { members: [b] });
    expect(added.status).toBe(200);
    expect(added.body.members.map((m: { user_id: string }) => m.user_id)).toContain(b);
    expect((await asB.get('/groups')).body.items.map((x: { group_id: string }) => x.group_id)).toContain(id);
    expect((await asB.delete(`/groups/${id}/members/${c}`)).body.code).toBe('FORBIDDEN');
    const left = await asB.delete(`/groups/${id}/members/${b}`);
    expect([left.status, left.body]).toEqual([204, undefined]);
    expect((await asB.get(`/groups/${id}`)).status).toBe(404);
    expect((await asB.get('/groups')).body.items.map((x: { group_id: string }) => x.group_id)).not.toContain(id);
    expect((await asA.delete(`/groups/${id}/members/${a}`)).body.code).toBe('FORBIDDEN');
    const renamed = await asA.patch(`/groups/${id}`, { name: 'Renamed' });
    expect([renamed.status, renamed.body.name]).toEqual([200, 'Renamed']);
    const removed = await asA.delete(`/groups/${id}/members/${c}`);
    expect(removed.status).toBe(200);
    expect(removed.body.members.map((m: { user_id: string }) => m.user_id)).toEqual([a]);
    expect((await asC.get(`/conversations/${id}/messages`)).body.code).toBe('GROUP_NOT_FOUND');
  });

  it('blocks and unblocks; presence hides a block and an invisible status', async () => {
    await eventually(async () => (await asA.get('/presence')).body.connection_count >= 1, 10_000, 'A online');
    const away = await asA.put('/presence', { status: 'away', text: 'lunch' });
    expect(away.body).toMatchObject({ user_id: a, status: 'away', text: 'lunch' });
    const seen = async () => (await asB.post('/presence/query', { users: [a, b] })).body.presence;
    expect(await seen()).toEqual([{ user_id: a, status: 'away', text: 'lunch' }, { user_id: b, status: 'offline' }]);

    const blocked = await asA.put(`/blocks/${b}`);
    expect(blocked.status).toBe(201);
    expect(blocked.headers.get('location')).toBe(`/v1/me/blocks/${b}`);
    expect((await asA.put(`/blocks/${b}`)).status).toBe(200);
    expect((await asA.get('/blocks')).body.items.map((x: { blocked: string }) => x.blocked)).toEqual([b]);
    expect((await seen())[0]).toEqual({ user_id: a, status: 'offline' });
    expect((await asA.delete(`/blocks/${b}`)).status).toBe(204);
    expect((await asA.get('/blocks')).body.items).toEqual([]);
    expect((await seen())[0].status).toBe('away');

    expect((await asA.put('/presence', { status: 'invisible' })).body.status).toBe('invisible');
    expect((await seen())[0]).toEqual({ user_id: a, status: 'offline' });
    expect((await asA.put('/presence', { status: 'online' })).status).toBe(200);
    expect((await asB.put('/presence', { status: 'busy' })).body.code).toBe('CONFLICT');
  });

  it("never gives B anything of A's, however B names A's ids, peers, groups, messages and connections", async () => {
    const listed = await asA.get('/connections');
    expect(listed.status).toBe(200);
    const conn = listed.body.connections[0] as { id: string; client_id: string };
    expect(conn.client_id).toMatch(new RegExp(`^${a}~`));
    // What B must never see: A's texts and group name (they carry SECRET) and A's client id. The ids
    // B names (A's group and connection ids) may come back in an error message: B sent them.
    const secrets = [SECRET, conn.client_id];
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `?user_id=${a}`],
      ['POST', `/token?user_id=${a}`],
      ['GET', `/conversations?user_id=${a}`],
      ['GET', `/conversations/${c}/messages`],
      ['GET', `/conversations/${a}/messages`],
      ['GET', `/conversations/${groupId}/messages`],
      ['GET', `/conversations/${c}/messages?around=${direct[2].id}`],
      ['GET', `/conversations/${a}/messages?around=${direct[2].id}`],
      ['PUT', `/conversations/${groupId}/archive`],
      ['DELETE', `/conversations/${groupId}/archive`],
      ['PUT', `/conversations/${c}/archive`],
      ['GET', `/groups?member=${a}`],
      ['POST', '/groups', { name: 'b-group', members: [a] }],
      ['GET', `/groups/${groupId}`],
      ['PATCH', `/groups/${groupId}`, { name: 'taken over' }],
      ['POST', `/groups/${groupId}/members`, { members: [b] }],
      ['DELETE', `/groups/${groupId}/members/${c}`],
      ['DELETE', `/groups/${groupId}/members/${b}`],
      ['GET', `/blocks?user_id=${a}`],
      ['PUT', `/blocks/${a}`],
      ['DELETE', `/blocks/${a}`],
      ['GET', `/presence?user_id=${a}`],
      ['PUT', `/presence?user_id=${a}`, { status: 'away' }],
      ['POST', '/presence/query', { users: [a, c] }],
      ['GET', `/connections?user_id=${a}`],
      ['DELETE', `/connections/${encodeURIComponent(conn.id)}`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await asB.call(method, path, body);
      const text = JSON.stringify(res.body ?? '');
      for (const secret of secrets) expect({ route: `${method} ${path}`, leaks: text.includes(secret) }).toEqual({ route: `${method} ${path}`, leaks: false });
      expect({ route: `${method} ${path}`, fault: res.status >= 500 }).toEqual({ route: `${method} ${path}`, fault: false });
    }
    // Nothing of A's changed: the group, A's connection, A's conversations.
    const group = await asA.get(`/groups/${groupId}`);
    expect(group.body.name).toBe(`${SECRET} group`);
    expect(group.body.members.map((m: { user_id: string }) => m.user_id).sort()).toEqual([a, c].sort());
    expect((await asA.get('/connections')).body.connections.map((x: { id: string }) => x.id)).toContain(conn.id);
    expect((await asA.get(`/conversations/${c}/messages`)).body.items).toHaveLength(7);
    // B's own views hold nothing of A's either.
    const bPeers = (await asB.get('/conversations')).body.items.map((x: { peer: string }) => x.peer);
    for (const peer of [a, c, groupId]) expect(bPeers).not.toContain(peer);
    expect((await asB.delete(`/connections/${encodeURIComponent(conn.id)}`)).body.code).toBe('NOT_FOUND');
  });

  it('answers hostile input with a documented 4xx, never a fault', async () => {
    const long = 'x'.repeat(5000);
    const cases: Array<[string, string, unknown, number]> = [
      ['POST', '/groups', { name: { $gt: '' }, members: [c] }, 400],
      ['POST', '/groups', { name: 'x', members: { $gt: '' } }, 400],
      ['POST', '/groups', { name: 'x', members: Array.from({ length: 200_000 }, (_, i) => `u${i}`) }, 413],
      ['POST', '/groups', { name: 'x', members: [c], owner: b }, 400],
      ['POST', '/groups', '{"name": "x", "members": [', 400],
      ['POST', '/groups', JSON.stringify({ name: 'x', members: [c], attributes: JSON.parse('{"a":'.repeat(200) + '1' + '}'.repeat(200)) }), 400],
      ['POST', `/groups/${groupId}/members`, { members: [{ $gt: '' }] }, 400],
      ['PATCH', `/groups/${groupId}`, { name: ['a'] }, 400],
      ['PUT', `/blocks/${c}`, { reason: { $gt: '' } }, 400],
      ['PUT', `/blocks/${a}`, undefined, 400],
      ['PUT', `/blocks/${long}`, undefined, 400],
      ['GET', `/groups/${long}`, undefined, 400],
      ['GET', `/groups/group-${long}`, undefined, 400],
      ['GET', `/conversations/${long}/messages`, undefined, 400],
      ['GET', `/conversations/${c}/messages?around[$gt]=`, undefined, 400],
      ['GET', `/conversations/${c}/messages?around=${long}`, undefined, 400],
      ['GET', `/conversations/${c}/messages?limit=1e309`, undefined, 400],
      ['GET', `/conversations/${c}/messages?cursor=eyJpZCI6eyIkZ3QiOiIifX0`, undefined, 400],
      ['GET', `/conversations?archived[$ne]=1`, undefined, 400],
      ['GET', `/connections/${long}`, undefined, 404],
      ['DELETE', `/connections/${long}`, undefined, 404],
      ['POST', '/presence/query', { users: { $gt: '' } }, 400],
      ['POST', '/presence/query', { users: Array.from({ length: 1001 }, (_, i) => `u${i}`) }, 400],
      ['PUT', '/presence', { status: { $gt: '' } }, 400],
    ];
    for (const [method, path, body, status] of cases) {
      const res = await asA.call(method, path, body);
      expect({ route: `${method} ${path.slice(0, 80)}`, status: res.status, shaped: typeof res.body?.code === 'string' }).toEqual({
        route: `${method} ${path.slice(0, 80)}`,
        status,
        shaped: true,
      });
    }
  });

  it('answers CORS for the configured origin on the user API only', async () => {
    const preflight = await fetch(`${engine.url}/v1/me/conversations`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const get = await asA.call('GET', '', undefined, { origin: ORIGIN });
    expect([get.status, get.headers.get('access-control-allow-origin')]).toEqual([200, ORIGIN]);
    const stranger = await asA.call('GET', '', undefined, { origin: 'http://evil.example.test' });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    const admin = await fetch(`${engine.url}/admin/v1/users/${a}`, { headers: { origin: ORIGIN, authorization: `Bearer ${TEST_ADMIN_API_KEY}` } });
    expect([admin.status, admin.headers.get('access-control-allow-origin')]).toEqual([200, null]);
  });

  describe('with the defaults and a rate limit', () => {
    let other: EngineProcess;

    beforeAll(async () => {
      other = await startEngine('user-api-limited', { ADMIN_RATE_LIMIT_PER_MINUTE: '5' });
    });
    afterAll(async () => {
      await other?.stop();
    });

    it('answers no CORS without CORS_ORIGINS', async () => {
      const res = await meApi(other.url, userToken(a)).call('GET', '', undefined, { origin: ORIGIN });
      expect([res.status, res.headers.get('access-control-allow-origin')]).toEqual([200, null]);
    });

    it('limits each user on their own budget, apart from the admin API', async () => {
      const first = meApi(other.url, userToken(a));
      const second = meApi(other.url, userToken(b));
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await first.get('/blocks')).status);
      expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(5);
      const refused = await first.get('/blocks');
      expect([refused.status, refused.body.code]).toEqual([429, 'RATE_LIMITED']);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await second.get('/blocks')).status).toBe(200);
      expect((await adminApi(other.url).get(`users/${a}`)).status).toBe(200);
    });
  });
});
