import { MqttClient } from 'mqtt';
import { RejectionCode } from '@app/protocol';
import { AdminApi, adminApi, registeredUser, TestUser } from './support/admin-api';
import { collectInbox, layout, mqttConnect, uid } from './support/broker';
import { closeTestDb, testDb } from './support/database';
import { EngineProcess, startEngine } from './support/engine';

describe('users: admin API and the pipeline policy', () => {
  let engine: EngineProcess;
  let api: AdminApi;
  const clients: MqttClient[] = [];

  const send = (from: TestUser, to: string, text: string) =>
    from.client.publishAsync(layout.outgoing(from.id, to), JSON.stringify({ text, client_message_id: text }), { qos: 1 });
  const rejections = (u: TestUser) => (m: { topic: string }) => m.topic.endsWith('/clientrejected') && m.topic.startsWith(`${layout.prefix}/${u.id}/`);
  const received = (text: string) => (m: { topic: string; payload: Record<string, unknown> }) =>
    m.topic.endsWith('/clientadded') && m.payload.text === text;

  beforeAll(async () => {
    engine = await startEngine('users', { REQUIRE_REGISTERED_RECIPIENTS: 'true' });
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    // Forced: a client the engine has cut off (disabled user) must not hold the engine running.
    for (const c of clients) c.end(true);
    await engine?.stop();
    await closeTestDb();
  });

  it('creates with PUT (201 and Location), replaces with PUT (200), reads and patches', async () => {
    const id = uid('profile');
    const created = await api.put(`users/${id}`, { display_name: 'Pat', metadata: { team: 'red' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/admin/v1/users/${id}`);
    expect(created.body).toEqual({
      user_id: id,
      display_name: 'Pat',
      metadata: { team: 'red' },
      disabled: false,
      created_at: expect.any(Number),
      updated_at: expect.any(Number),
    });

    const replaced = await api.put(`users/${id}`, { display_name: 'Pat P' });
    expect(replaced.status).toBe(200);
    expect(replaced.headers.get('location')).toBeNull();
    expect(replaced.body).toMatchObject({ display_name: 'Pat P', created_at: created.body.created_at });
    expect(replaced.body.metadata).toBeUndefined(); // PUT replaces the whole profile

    const patched = await api.patch(`users/${id}`, { metadata: { team: 'blue' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ display_name: 'Pat P', metadata: { team: 'blue' } });

    const read = await api.get(`users/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(patched.body);

    const db = await testDb();
    expect(await db.collection('users').findOne({ _id: `tilechat:${id}` as never })).toMatchObject({ app_id: 'tilechat', user_id: id });

    for (const reply of [await api.get(`users/${uid('nobody')}`), await api.patch(`users/${uid('nobody')}`, { display_name: 'x' })]) {
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ statusCode: 404, code: 'USER_NOT_FOUND', message: expect.stringContaining('not found') });
    }
  });

  it('lists users in id order, a page at a time, filtered on disabled', async () => {
    const prefix = uid('list');
    const ids = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
    for (const id of ids) expect((await api.put(`users/${id}`, { display_name: id })).status).toBe(201);
    expect((await api.put(`users/${ids[1]}/status`, { disabled: true, reason: 'spam' })).status).toBe(200);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: Array<{ user_id: string }>; next_cursor: string | null } } = await api.get(
        `users?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((u) => u.user_id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.filter((id) => id.startsWith(prefix))).toEqual(ids);
    expect([...seen].sort()).toEqual(seen);

    const disabled = await api.get('users?disabled=true&limit=200');
    const mine = (items: Array<{ user_id: string }>) => items.map((u) => u.user_id).filter((id) => id.startsWith(prefix));
    expect(mine(disabled.body.items)).toEqual([ids[1]]);
    // Other test files share the database: pick this test's user out of the page.
    expect(disabled.body.items.find((u: { user_id: string }) => u.user_id === ids[1])).toMatchObject({ disabled: true, disabled_reason: 'spam', disabled_at: expect.any(Number) });
    const enabled = await api.get('users?disabled=false&limit=200');
    expect(mine(enabled.body.items)).toEqual([ids[0], ids[2]]);
  });

  it("refuses a disabled user's next message with SENDER_DISABLED, and delivers again once enabled", async () => {
    const c = await registeredUser(api, 'carol', clients);
    const d = await registeredUser(api, 'dave', clients);
    await send(c, d.id, 'before');
    await d.inbox.waitFor(1, received('before'));

    const disabled = await api.put(`users/${c.id}/status`, { disabled: true, reason: 'abuse report 42' });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ disabled: true, disabled_reason: 'abuse report 42' });
    // Disabling closes the user's live connections, but a token stays valid until it expires: the
    // user can connect again, and the pipeline refuses them.
    c.client.end(true);
    const again = await mqttConnect(c.id);
    clients.push(again);
    const c2: TestUser = { id: c.id, client: again, inbox: await collectInbox(again, c.id) };
    await send(c2, d.id, 'while-disabled');
    const [refused] = await c2.inbox.waitFor(1, rejections(c2));
    expect(refused.payload).toMatchObject({ code: RejectionCode.SENDER_DISABLED, client_message_id: 'while-disabled' });

    const enabled = await api.put(`users/${c.id}/status`, { disabled: false });
    expect(enabled.body.disabled).toBe(false);
    expect(enabled.body.disabled_reason).toBeUndefined();
    await send(c2, d.id, 'after');
    await d.inbox.waitFor(1, received('after'));
    expect(d.inbox.messages.map((m) => m.payload.text)).toEqual(['before', 'after']);
    expect(c2.inbox.messages.filter(rejections(c2))).toHaveLength(1);
  });

  it('refuses messages to an unregistered user with UNKNOWN_RECIPIENT, and delivers once the user is created', async () => {
    const a = await registeredUser(api, 'early', clients);
    const lateId = uid('late');
    await send(a, lateId, 'too-early');
    const [refused] = await a.inbox.waitFor(1, rejections(a));
    expect(refused.payload).toMatchObject({ code: RejectionCode.UNKNOWN_RECIPIENT, client_message_id: 'too-early' });

    // The engine has now cached "no such user": creating the user must clear that.
    expect((await api.put(`users/${lateId}`, { display_name: 'Late' })).status).toBe(201);
    await send(a, lateId, 'in-time');
    await a.inbox.waitFor(1, received('in-time'));
    const db = await testDb();
    const stored = await db.collection('messages').find({ sender: a.id }).toArray();
    expect(stored.map((m) => m.text)).toEqual(['in-time']);
  });

  it('deletes a user with the blocks they made and received, keeps their messages, and 404s after', async () => {
    const x = await registeredUser(api, 'leaver', clients);
    const y = await registeredUser(api, 'stayer', clients);
    const z = await registeredUser(api, 'other', clients);
    await send(x, y.id, 'kept');
    await y.inbox.waitFor(1, received('kept'));
    expect((await api.put(`users/${x.id}/blocks/${z.id}`)).status).toBe(201);
    expect((await api.put(`users/${z.id}/blocks/${x.id}`)).status).toBe(201);

    const deleted = await api.delete(`users/${x.id}`);
    expect(deleted.status).toBe(204);
    expect((await api.get(`users/${x.id}`)).status).toBe(404);
    expect((await api.delete(`users/${x.id}`)).status).toBe(404);

    const db = await testDb();
    expect(await db.collection('blocks').countDocuments({ $or: [{ blocker: x.id }, { blocked: x.id }] })).toBe(0);
    expect((await db.collection('messages').find({ sender: x.id }).toArray()).map((m) => m.text)).toEqual(['kept']);
    // The engine forgot the deleted user too: messages to them are refused again.
    await send(y, x.id, 'to-the-gone');
    const [refused] = await y.inbox.waitFor(1, rejections(y));
    expect(refused.payload.code).toBe(RejectionCode.UNKNOWN_RECIPIENT);
  });

  it('answers bad input with 400 and the documented error body, and changes nothing', async () => {
    const id = uid('valid');
    expect((await api.put(`users/${id}`, { display_name: 'Valid' })).status).toBe(201);
    const db = await testDb();
    const snapshot = async () => ({
      users: await db.collection('users').find().sort({ _id: 1 }).toArray(),
      blocks: await db.collection('blocks').find().sort({ _id: 1 }).toArray(),
    });
    const before = await snapshot();

    const cases: Array<[string, () => ReturnType<AdminApi['get']>]> = [
      ['an unknown field', () => api.put(`users/${uid('u')}`, { display_name: 'X', role: 'admin' })],
      ['a wrong type', () => api.put(`users/${uid('u')}`, { display_name: 42 })],
      ['metadata that is not an object', () => api.put(`users/${uid('u')}`, { display_name: 'X', metadata: [1, 2] })],
      ['an empty body', () => api.put(`users/${uid('u')}`, {})],
      ['no body', () => api.put(`users/${uid('u')}`)],
      ['malformed JSON', () => api.put(`users/${uid('u')}`, '{"display_name":')],
      ['a dot in the user id', () => api.put('users/bad.id', { display_name: 'X' })],
      ['a wildcard in the user id', () => api.put(`users/${encodeURIComponent('bad+id')}`, { display_name: 'X' })],
      ['a too long user id', () => api.put(`users/${'x'.repeat(65)}`, { display_name: 'X' })],
      ['an empty patch', () => api.patch(`users/${id}`, {})],
      ['a patch with an unknown field', () => api.patch(`users/${id}`, { disabled: true })],
      ['a status without a body', () => api.put(`users/${id}/status`, {})],
      ['disabling without a reason', () => api.put(`users/${id}/status`, { disabled: true })],
      ['a status of the wrong type', () => api.put(`users/${id}/status`, { disabled: 'yes', reason: 'r' })],
      ['a bad disabled filter', () => api.get('users?disabled=maybe')],
      ['a bad limit', () => api.get('users?limit=0')],
      ['a forged cursor', () => api.get('users?cursor=bm90LWpzb24')],
      ['a block with an unknown field', () => api.put(`users/${id}/blocks/${uid('u')}`, { reason: 'r', until: 1 })],
      ['a block reason of the wrong type', () => api.put(`users/${id}/blocks/${uid('u')}`, { reason: 5 })],
      ['blocking oneself', () => api.put(`users/${id}/blocks/${id}`)],
      ['a blocked id with a forbidden character', () => api.put(`users/${id}/blocks/a~b`)],
    ];
    for (const [what, call] of cases) {
      const reply = await call();
      expect({ what, status: reply.status }).toEqual({ what, status: 400 });
      expect(reply.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', message: expect.any(String) });
    }
    expect(await snapshot()).toEqual(before);
  });

  it('documents every admin endpoint in Swagger with its request, response and error schemas', async () => {
    const doc = (await (await fetch(`${engine.url}/docs-json`)).json()) as Record<string, any>;
    const expected: Record<string, string[]> = {
      '/admin/v1/users': ['get'],
      '/admin/v1/users/{userId}': ['put', 'get', 'patch', 'delete'],
      '/admin/v1/users/{userId}/status': ['put'],
      '/admin/v1/users/{userId}/blocks': ['get'],
      '/admin/v1/users/{userId}/blocks/{blockedId}': ['put', 'delete', 'get'],
      '/admin/v1/users/{userId}/block-status/{peerId}': ['get'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect(Object.keys(doc.paths[path] ?? {}).sort()).toEqual([...methods].sort());
    }
    const ref = (content: any) => content?.['application/json']?.schema?.$ref as string | undefined;
    for (const [path, operations] of Object.entries<Record<string, any>>(doc.paths)) {
      if (!path.startsWith('/admin/v1/')) continue;
      for (const [method, op] of Object.entries<any>(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        const statuses = Object.keys(op.responses);
        expect({ where, success: statuses.some((s) => s.startsWith('2')) }).toEqual({ where, success: true });
        if (path in expected) expect({ where, bad: statuses.includes('400') }).toEqual({ where, bad: true });
        for (const status of statuses.filter((s) => Number(s) >= 400)) {
          expect({ where, status, schema: ref(op.responses[status].content) }).toEqual({ where, status, schema: '#/components/schemas/ErrorBody' });
        }
        if (op.requestBody) expect({ where, body: ref(op.requestBody.content) }).toEqual({ where, body: expect.stringMatching(/^#\/components\/schemas\//) });
      }
    }
    expect(ref(doc.paths['/admin/v1/users/{userId}'].put.requestBody.content)).toBe('#/components/schemas/PutUserDto');
    expect(ref(doc.paths['/admin/v1/users/{userId}'].put.responses['201'].content)).toBe('#/components/schemas/UserResponse');
    expect(doc.paths['/admin/v1/users/{userId}'].put.responses['201'].headers).toHaveProperty('Location');
    const schemas = doc.components.schemas;
    expect(Object.keys(schemas.UserResponse.properties)).toEqual(
      expect.arrayContaining(['user_id', 'display_name', 'metadata', 'disabled', 'disabled_reason', 'disabled_at', 'created_at', 'updated_at']),
    );
    expect(schemas.PutUserDto.required).toEqual(['display_name']);
    expect(Object.keys(schemas.UserStatusDto.properties)).toEqual(['disabled', 'reason']);
    expect(Object.keys(schemas.BlockStatusResponse.properties)).toEqual(
      expect.arrayContaining(['user', 'peer', 'blocked', 'user_blocks_peer', 'peer_blocks_user']),
    );
  });
});
