import { gzipSync } from 'node:zlib';
import { Body, Controller, INestApplication, Post, ValidationPipe } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { NestExpressApplication } from '@nestjs/platform-express';
import { HttpExceptionFilter } from '../errors';
import { bodyShapeProblem, JSON_BODY_MAX_DEPTH, useJsonBody } from './json-body';

@Controller()
class EchoController {
  @Post('echo')
  echo(@Body() body: unknown): unknown {
    return { body: body ?? null };
  }
}

const LIMIT = 256 * 1024;
const nested = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

describe('useJsonBody', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [EchoController] }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
    useJsonBody(app, LIMIT);
    app.useGlobalFilters(new HttpExceptionFilter());
    app.useGlobalPipes(new ValidationPipe({ transform: true }));
    await app.listen(0, '127.0.0.1');
    url = `${await app.getUrl()}/echo`;
  });
  afterAll(() => app.close());

  // fetch, not supertest: superagent garbles a compressed request body.
  const post = async (body?: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
    const res = await fetch(url, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const gzipped = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
  const expectError = (res: { status: number; body: unknown }, status: number, code: string) => {
    expect(res).toEqual({ status, body: { statusCode: status, code, message: expect.any(String) } });
  };

  it('parses a JSON body, plain or compressed, up to the limit', async () => {
    expect(await post(JSON.stringify({ a: [1, { b: 'x' }] }))).toEqual({ status: 201, body: { body: { a: [1, { b: 'x' }] } } });
    expect(await post(gzipSync('{"z":1}'), gzipped)).toEqual({ status: 201, body: { body: { z: 1 } } });
    expect((await post(JSON.stringify({ x: 'y'.repeat(LIMIT - 20) }))).status).toBe(201);
    expect((await post(undefined, {})).status).toBe(201);
  });

  it('answers 413 PAYLOAD_TOO_LARGE past the limit, as sent or once inflated (a gzip bomb)', async () => {
    expectError(await post(JSON.stringify({ x: 'y'.repeat(LIMIT) })), 413, 'PAYLOAD_TOO_LARGE');
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 32));
    expect(bomb.length).toBeLessThan(LIMIT);
    expectError(await post(bomb, gzipped), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 400 to corrupt compressed data and to bad JSON', async () => {
    expectError(await post(Buffer.from('not gzip'), gzipped), 400, 'VALIDATION_FAILED');
    expectError(await post(Buffer.from('nope'), { 'content-type': 'application/json', 'content-encoding': 'deflate' }), 400, 'VALIDATION_FAILED');
    expectError(await post('{"a":'), 400, 'VALIDATION_FAILED');
  });

  it('answers 415 UNSUPPORTED_MEDIA_TYPE to an unknown encoding, a charset other than UTF, and a body that is not JSON', async () => {
    expectError(await post('{}', { 'content-type': 'application/json', 'content-encoding': 'compress' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await post('{}', { 'content-type': 'application/json; charset=koi8-r' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await post('{"a":1}', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await post('a[b]=1', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 400 to a body nested deeper than the limit, before anything walks it', async () => {
    expect((await post(nested(JSON_BODY_MAX_DEPTH))).status).toBe(201);
    for (const body of [nested(JSON_BODY_MAX_DEPTH + 1), nested(10_000), '['.repeat(100_000) + ']'.repeat(100_000)]) {
      const res = await post(body);
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.message).toContain(`deeper than ${JSON_BODY_MAX_DEPTH}`);
    }
  });

  it('answers 400 to a key the ValidationPipe would silently drop, at any depth', async () => {
    for (const body of ['{"__proto__":{"x":1}}', '{"m":{"constructor":1}}', '{"m":[{"prototype":1}]}']) {
      const res = await post(body);
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.message).toMatch(/has the key "(__proto__|constructor|prototype)"/);
    }
  });
});

describe('bodyShapeProblem', () => {
  it('counts objects and arrays alike, the top level as 1', () => {
    expect(bodyShapeProblem({ a: [{}] }, 3)).toBeNull();
    expect(bodyShapeProblem({ a: [{ b: [] }] }, 3)).toContain('deeper than 3');
    expect(bodyShapeProblem('text', 1)).toBeNull();
    expect(bodyShapeProblem(undefined, 1)).toBeNull();
  });

  it('allows keys the database would refuse ($gt, a.b, NUL): free-form fields store them as text', () => {
    expect(bodyShapeProblem({ m: { $gt: 1, 'a.b': 2, 'a\u0000b': 3 } }, 5)).toBeNull();
  });
});
