import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { adminApi, AdminApi, adminAuth } from './support/admin-api';
import { uid } from './support/broker';
import { closeTestDb, testDb } from './support/database';
import { EngineProcess, startEngine } from './support/engine';

/**
 * Bad input on every class the admin API was fuzzed with (issue 13, part 4) answers 4xx with the
 * documented error body, never 500, and leaves the engine healthy; free-form metadata with keys
 * the database refuses round-trips exactly.
 */
describe('REST API: bad input answers 4xx with the error body', () => {
  let engine: EngineProcess;
  let api: AdminApi;
  const JSON_TYPE = { 'content-type': 'application/json' };

  interface Reply {
    status: number;
    body: Record<string, unknown> | undefined;
    text: string;
  }

  /** A raw call: any body bytes and headers, the answer's JSON if it has one. */
  const call = async (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = JSON_TYPE): Promise<Reply> => {
    const res = await fetch(`${engine.url}/admin/v1/${path}`, { method, headers: { ...adminAuth(), ...headers }, body });
    const text = await res.text();
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text: text.slice(0, 300) };
  };

  /** The documented error body, with this status and code. */
  const expectRefused = (what: string, reply: Reply, status: number, code: string) => {
    expect({ what, status: reply.status, code: reply.body?.code }).toEqual({ what, status, code });
    const { statusCode, message, errors, ...rest } = reply.body!;
    expect({ what, statusCode, message: typeof message, rest }).toEqual({ what, statusCode: status, message: 'string', rest: { code } });
    if (errors !== undefined) expect(errors).toEqual(expect.arrayContaining([expect.any(String)]));
  };

  const expectHealthy = async () => {
    const ready = await fetch(`${engine.url}/health/ready`);
    expect(ready.status).toBe(200);
    const listed = await api.get('users?limit=1');
    expect(listed.status).toBe(200);
  };

  beforeAll(async () => {
    engine = await startEngine('rest-fuzz', { REQUIRE_REGISTERED_RECIPIENTS: 'true' });
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    await engine?.stop();
    await closeTestDb();
  });

  it('answers 413 PAYLOAD_TOO_LARGE to bodies of 1 MB and 10 MB', async () => {
    const id = uid('big');
    for (const size of [1 << 20, 10 << 20]) {
      const body = JSON.stringify({ display_name: 'Big', metadata: { blob: 'x'.repeat(size) } });
      expectRefused(`${size} bytes`, await call('PUT', `users/${id}`, body), 413, 'PAYLOAD_TOO_LARGE');
    }
    expectRefused('a big message', await call('POST', 'messages', JSON.stringify({ recipient: 'bob', text: 'x'.repeat(1 << 20) })), 413, 'PAYLOAD_TOO_LARGE');
    expect((await api.get(`users/${id}`)).status).toBe(404);
    await expectHealthy();
  });

  it('answers 400 to gzip garbage and 413 to a gzip bomb (50 MB inflated)', async () => {
    const id = uid('zip');
    const gzip = { ...JSON_TYPE, 'content-encoding': 'gzip' };
    expectRefused('gzip garbage', await call('PUT', `users/${id}`, Buffer.from('this is not gzip data at all'), gzip), 400, 'VALIDATION_FAILED');
    const truncated = gzipSync(JSON.stringify({ display_name: 'Zip' })).subarray(0, 12);
    expectRefused('truncated gzip', await call('PUT', `users/${id}`, truncated, gzip), 400, 'VALIDATION_FAILED');
    const bomb = gzipSync(Buffer.alloc(50 << 20, ' '));
    expect(bomb.length).toBeLessThan(256 * 1024); // small on the wire: only inflating it is too large
    expectRefused('gzip bomb', await call('PUT', `users/${id}`, bomb, gzip), 413, 'PAYLOAD_TOO_LARGE');
    // A well-formed compressed body is read.
    const zipped = await call('PUT', `users/${id}`, gzipSync(JSON.stringify({ display_name: 'Zip' })), gzip);
    expect([zipped.status, zipped.body?.display_name]).toEqual([201, 'Zip']);
    await expectHealthy();
  });

  it('answers 415 UNSUPPORTED_MEDIA_TYPE to a body that is not JSON, an unknown encoding or charset', async () => {
    const id = uid('type');
    const body = JSON.stringify({ display_name: 'T' });
    expectRefused('text/plain', await call('PUT', `users/${id}`, body, { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectRefused('no content-type', await call('PUT', `users/${id}`, body, {}), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectRefused('a form', await call('PUT', `users/${id}`, 'display_name=T', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectRefused('content-encoding', await call('PUT', `users/${id}`, body, { ...JSON_TYPE, 'content-encoding': 'x-custom' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectRefused('charset', await call('PUT', `users/${id}`, body, { 'content-type': 'application/json; charset=latin1' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectRefused('bad JSON', await call('PUT', `users/${id}`, '{"display_name":'), 400, 'VALIDATION_FAILED');
    await expectHealthy();
  });

  it('answers 400 to JSON nested 10,000 deep, in a field or at the top, and to keys the validation would drop', async () => {
    const id = uid('deep');
    const deepObject = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const deepArray = '['.repeat(10_000) + ']'.repeat(10_000);
    for (const [method, path, body] of [
      ['PUT', `users/${id}`, `{"display_name":"D","metadata":${deepObject}}`],
      ['PATCH', `users/${id}`, `{"metadata":{"a":${deepArray}}}`],
      ['POST', 'messages', `{"recipient":"bob","text":"x","attributes":${deepObject}}`],
      ['POST', 'dead-letters/replay', `{"x":${deepArray}}`],
      ['POST', `users/${id}/tokens`, deepArray],
    ]) {
      const reply = await call(method, path, body);
      expectRefused(`${method} ${path}`, reply, 400, 'VALIDATION_FAILED');
      expect(reply.body?.message).toContain('nested deeper than 32 levels');
    }
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const reply = await call('PUT', `users/${id}`, `{"display_name":"D","metadata":{"x":{"${key}":{"polluted":true}}}}`);
      expectRefused(key, reply, 400, 'VALIDATION_FAILED');
      expect(reply.body?.message).toContain(`"${key}"`);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectHealthy();
  });

  it('round-trips metadata with keys the database refuses ($gt, a.b, NUL) exactly, through PUT then GET and PATCH then GET', async () => {
    const odd: Array<Record<string, unknown>> = [
      { $gt: '' },
      { 'a.b': 1 },
      { 'a\u0000b': 1 },
      { $where: 'sleep(1000)', nested: { $ne: null, 'x.y': [{ $in: [1, 2] }] } },
      { list: [[1, 2], [3]], '': 'empty key', 'é😀': 'text\u0000with NUL', n: -1.5e300 },
    ];
    for (const metadata of odd) {
      const id = uid('odd');
      const put = await api.put(`users/${id}`, { display_name: 'Odd', metadata });
      expect({ metadata, status: put.status, body: put.body?.metadata }).toEqual({ metadata, status: 201, body: metadata });
      expect((await api.get(`users/${id}`)).body.metadata).toEqual(metadata);

      const patched = { again: metadata };
      expect((await api.patch(`users/${id}`, { metadata: patched })).status).toBe(200);
      const read = await api.get(`users/${id}`);
      expect({ metadata, read: read.body.metadata }).toEqual({ metadata, read: patched });
      // Exactly: the same JSON text, key order included.
      expect(JSON.stringify(read.body.metadata)).toBe(JSON.stringify(patched));
    }
    const listed = await api.get('users?limit=200');
    expect(listed.status).toBe(200);
    await expectHealthy();
  });

  it('stores metadata as JSON text, still reads metadata stored as an object before, and removes it with null', async () => {
    const id = uid('legacy');
    const db = await testDb();
    await db.collection('users').insertOne({
      _id: `tilechat:${id}` as never,
      app_id: 'tilechat',
      user_id: id,
      display_name: 'Legacy',
      metadata: { team: 'red', tags: ['a'] },
      disabled: false,
      created_at: 1,
      updated_at: 1,
    });
    expect((await api.get(`users/${id}`)).body.metadata).toEqual({ team: 'red', tags: ['a'] });

    expect((await api.patch(`users/${id}`, { metadata: { $gt: 1 } })).status).toBe(200);
    expect((await db.collection('users').findOne({ _id: `tilechat:${id}` as never }))?.metadata).toBe('{"$gt":1}');

    const removed = await api.patch(`users/${id}`, { metadata: null });
    expect(removed.status).toBe(200);
    expect(removed.body).not.toHaveProperty('metadata');
    expect((await api.get(`users/${id}`)).body).not.toHaveProperty('metadata');
  });

  it('refuses metadata that JSON text cannot carry back, and text the database cannot store, with a clear message', async () => {
    const id = uid('refused');
    const cases: Array<[string, string, RegExp]> = [
      ['1e400', '{"display_name":"R","metadata":{"a":1e400}}', /metadata\.a must be a finite number/],
      ['17 levels', `{"display_name":"R","metadata":${'{"a":'.repeat(17)}1${'}'.repeat(17)}}`, /nested deeper than 16/],
      ['a lone surrogate', '{"display_name":"R","metadata":{"a":"\\ud800"}}', /well-formed/],
      ['an array', '{"display_name":"R","metadata":[1]}', /metadata must be a JSON object/],
      ['a long key', `{"display_name":"R","metadata":{"${'k'.repeat(257)}":1}}`, /longer than 256/],
      ['NUL in display_name', '{"display_name":"R\\u0000"}', /display_name must be well-formed/],
    ];
    for (const [what, body, message] of cases) {
      for (const method of ['PUT', 'PATCH']) {
        const reply = await call(method, `users/${id}`, body);
        expectRefused(`${what} (${method})`, reply, 400, 'VALIDATION_FAILED');
        expect({ what, message: reply.body?.message }).toEqual({ what, message: expect.stringMatching(message) });
      }
    }
    expect((await api.get(`users/${id}`)).status).toBe(404);
  });

  it('refuses up front what the pipeline would refuse in POST /admin/v1/messages', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ type: 'system' }, /reserved/],
      [{ attributes: { system: true } }, /attributes\.system is reserved/],
      [{ text: 'a\u0000b' }, /text must be well-formed/],
      [{ text: '   ' }, /must not be empty/],
      [{ sender_fullname: 'Display\u0000' }, /sender_fullname/],
      [{ client_message_id: 'id\u0000' }, /client_message_id/],
      [{ metadata: { a: '\ud800' } }, /well-formed/],
      [{ attributes: null }, /attributes must be a JSON object/],
      [{ recipient: 'r'.repeat(1000) }, /recipient must be a valid user id/],
    ];
    for (const [fields, message] of cases) {
      const reply = await call('POST', 'messages', JSON.stringify({ recipient: 'bob', text: 'hello', ...fields }));
      expectRefused(JSON.stringify(fields).slice(0, 60), reply, 400, 'VALIDATION_FAILED');
      expect(reply.body?.message).toMatch(message);
    }
    // Free-form keys the database refuses are the pipeline's to store (as JSON text): accepted.
    const sent = await call('POST', 'messages', JSON.stringify({ recipient: 'bob', text: 'hello', metadata: { $gt: '', 'a.b': 1 } }));
    expect(sent.status).toBe(202);
  });

  it('answers 4xx with the error body to odd ids, limits and cursors on every route', async () => {
    const id = uid('params');
    expect((await api.put(`users/${id}`, { display_name: 'P' })).status).toBe(201);
    const forged = (json: string) => Buffer.from(json).toString('base64url');
    const badCursors = ['zzz', forged('{"id":"a\\u0000b"}'), forged('{"id":"\\ud800"}'), forged('{"id":7}'), '%00'];
    const lists = ['users', `users/${id}/blocks`, `users/${id}/conversations`, `users/${id}/conversations/${id}-peer/messages`];
    const badQueries = ['limit=-1', 'limit=0', 'limit=1e9', 'limit=99999999999999999999', 'limit=abc', 'limit=1.5', 'limit[a]=1', 'limit=1&limit=2', 'unknown=1'];
    const paths: string[] = [];
    for (const list of lists) {
      for (const q of badQueries) paths.push(`${list}?${q}`);
      for (const c of badCursors) paths.push(`${list}?cursor=${c}`);
      paths.push(`${list}?cursor=${'x'.repeat(600)}`);
    }
    paths.push(`users/${id}/conversations?cursor=${forged('{"t":1e400,"id":"x"}')}`, 'users?disabled=maybe', `users/${id}/conversations/${id}/messages?order=sideways`);
    for (const q of ['limit=-5', 'limit=abc', 'limit=101']) paths.push(`dead-letters?${q}`);
    const oddIds = ['a~b', 'a.b', '%00', '%ff', '%', 'a%2Fb', '%E2%80%AE', 'x'.repeat(65), '$gt', 'a b'];
    for (const odd of oddIds) {
      paths.push(`users/${odd}`, `users/${odd}/blocks`, `users/${id}/blocks/${odd}`, `users/${id}/block-status/${odd}`, `users/${odd}/conversations`);
    }
    for (const path of paths) expectRefused(`GET ${path}`, await call('GET', path), 400, 'VALIDATION_FAILED');
    for (const odd of oddIds) {
      for (const [method, path, body] of [
        ['PUT', `users/${odd}`, '{"display_name":"x"}'],
        ['PATCH', `users/${odd}`, '{"display_name":"x"}'],
        ['DELETE', `users/${odd}`, undefined],
        ['PUT', `users/${odd}/status`, '{"disabled":false}'],
        ['POST', `users/${odd}/tokens`, '{}'],
        ['POST', `users/${odd}/disconnect`, undefined],
        ['PUT', `users/${id}/blocks/${odd}`, '{}'],
      ] as const) {
        expectRefused(`${method} ${path}`, await call(method, path, body), 400, 'VALIDATION_FAILED');
      }
    }
    for (const body of ['{"ttl_seconds":1e300}', '{"ttl_seconds":-1}', '{"ttl_seconds":"60"}', '{"ttl_seconds":1.5}']) {
      expectRefused(`token ${body}`, await call('POST', `users/${id}/tokens`, body), 400, 'VALIDATION_FAILED');
    }
    for (const body of ['{"limit":-1}', '{"limit":1e300}', '{"limit":"5"}']) {
      expectRefused(`replay ${body}`, await call('POST', 'dead-letters/replay', body), 400, 'VALIDATION_FAILED');
    }
    // Past what the HTTP server reads of a request line: still the error body.
    for (const path of [`users/${'a'.repeat(100_000)}`, `users?cursor=${'c'.repeat(100_000)}`]) {
      expectRefused(`GET ${path.slice(0, 20)}...`, await call('GET', path), 431, 'HEADERS_TOO_LARGE');
    }
    await expectHealthy();
  });

  it('answered no request with a 500 and logged no fault', async () => {
    await expectHealthy();
    const log = readFileSync(engine.logFile, 'utf8');
    expect(log).not.toContain('unhandled error in a request');
    expect(log).not.toMatch(/"statusCode":5\d\d/);
  });
});
