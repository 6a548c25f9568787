import { BadRequestException, Logger } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { lastValueFrom, Observable } from 'rxjs';
import { DomainError } from './domain.error';
import { ErrorCode } from './error-codes';
import { HttpExceptionFilter } from './http-exception.filter';

function httpHost(request: Record<string, unknown> = { id: 'req-1', method: 'GET', url: '/admin/v1/x' }) {
  const response = { status: jest.fn().mockReturnThis(), json: jest.fn().mockReturnThis(), setHeader: jest.fn() };
  const host = new ExecutionContextHost([request, response, jest.fn()]);
  host.setType('http');
  return { host, response };
}

describe('HttpExceptionFilter', () => {
  let logged: jest.SpyInstance;
  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  it('answers an HTTP request with the stable error body', () => {
    const { host, response } = httpHost();
    new HttpExceptionFilter().catch(new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'broker down'), host);
    expect(response.status).toHaveBeenCalledWith(503);
    expect(response.json).toHaveBeenCalledWith({ statusCode: 503, code: 'DEPENDENCY_UNAVAILABLE', message: 'broker down', request_id: 'req-1' });

    const validation = httpHost();
    new HttpExceptionFilter().catch(new BadRequestException(['limit must be an integer']), validation.host);
    expect(validation.response.json).toHaveBeenCalledWith(
      expect.objectContaining({ statusCode: 400, code: 'VALIDATION_FAILED', errors: ['limit must be an integer'] }),
    );
  });

  it('answers a fault with 500 and the request id, and logs it with the request id', () => {
    const { host, response } = httpHost();
    const fault = new Error('cannot read properties of undefined');
    new HttpExceptionFilter().catch(fault, host);
    expect(response.status).toHaveBeenCalledWith(500);
    expect(response.json).toHaveBeenCalledWith({ statusCode: 500, code: 'INTERNAL', message: 'internal error', request_id: 'req-1' });
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ err: fault, request_id: 'req-1', method: 'GET', url: '/admin/v1/x' }), expect.any(String));
  });

  it('gives a fault before the request had an id one of its own, in the body, the log line and x-request-id', () => {
    const { host, response } = httpHost({ method: 'POST', url: '/admin/v1/y' });
    new HttpExceptionFilter().catch(new Error('boom'), host);
    const id = (response.json.mock.calls[0][0] as { request_id: string }).request_id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.setHeader).toHaveBeenCalledWith('x-request-id', id);
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ request_id: id }), expect.any(String));
  });

  it("answers body-parser's refusals with 4xx and their codes, not 500, and logs nothing", () => {
    const refusal = (status: number, type?: string) => Object.assign(new Error('x'), { status, statusCode: status, expose: true, type });
    const cases: Array<[Error, number, string]> = [
      [refusal(413, 'entity.too.large'), 413, 'PAYLOAD_TOO_LARGE'],
      [refusal(415, 'encoding.unsupported'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [refusal(415, 'charset.unsupported'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [refusal(400, 'entity.parse.failed'), 400, 'VALIDATION_FAILED'],
      [refusal(400, 'request.size.invalid'), 400, 'VALIDATION_FAILED'],
      [Object.assign(new Error('incorrect header check'), { code: 'Z_DATA_ERROR', status: 400, expose: true }), 400, 'VALIDATION_FAILED'],
    ];
    for (const [error, status, code] of cases) {
      const { host, response } = httpHost();
      new HttpExceptionFilter().catch(error, host);
      expect(response.json).toHaveBeenCalledWith({ statusCode: status, code, message: expect.any(String) });
    }
    expect(logged).not.toHaveBeenCalled();

    // body-parser's own faults (5xx) stay faults.
    const { host, response } = httpHost();
    new HttpExceptionFilter().catch(Object.assign(new Error('stream is not readable'), { status: 500, expose: false, type: 'stream.not.readable' }), host);
    expect(response.status).toHaveBeenCalledWith(500);
    expect(logged).toHaveBeenCalled();
  });

  it('hands an error of the message pipeline (rpc) back untouched, without logging it or touching the context', async () => {
    // What Nest's RpcProxy passes: the payload, then the transport's context.
    const amqpContext = { status: jest.fn(), json: jest.fn() };
    const host = new ExecutionContextHost([Buffer.from('{}'), amqpContext]);
    host.setType('rpc');
    const failure = new Error('database down');

    const result = new HttpExceptionFilter().catch(failure, host);

    expect(result).toBeInstanceOf(Observable);
    await expect(lastValueFrom(result as Observable<never>)).rejects.toBe(failure);
    expect(amqpContext.status).not.toHaveBeenCalled();
    expect(logged).not.toHaveBeenCalled();
  });
});
