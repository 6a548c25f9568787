import { createServer, Server } from 'node:http';
import { connect } from 'node:net';
import { answerClientErrors } from './client-errors';

/** Sends raw bytes and returns the raw answer. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

function bodyOf(answer: string): unknown {
  return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
}

describe('answerClientErrors', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((_req, res) => res.end('ok'));
    answerClientErrors(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('answers a request line past what Node reads with 431 and the error body', async () => {
    const answer = await raw(port, `GET /admin/v1/users/${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(answer).toContain('content-type: application/json');
    expect(bodyOf(answer)).toEqual({ statusCode: 431, code: 'HEADERS_TOO_LARGE', message: expect.any(String) });
  });

  it('answers a malformed request with 400 and the error body', async () => {
    const answer = await raw(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(bodyOf(answer)).toEqual({ statusCode: 400, code: 'VALIDATION_FAILED', message: 'malformed HTTP request' });
  });
});
