import { BadRequestException, Logger } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { lastValueFrom, Observable } from 'rxjs';
import { DomainError } from './domain.error';
import { ErrorCode } from './error-codes';
import { HttpExceptionFilter } from './http-exception.filter';

function httpHost() {
  const response = { status: jest.fn().mockReturnThis(), json: jest.fn().mockReturnThis() };
  const host = new ExecutionContextHost([{ url: '/admin/v1/x' }, response, jest.fn()]);
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
    expect(response.json).toHaveBeenCalledWith({ statusCode: 503, code: 'DEPENDENCY_UNAVAILABLE', message: 'broker down' });

    const validation = httpHost();
    new HttpExceptionFilter().catch(new BadRequestException(['limit must be an integer']), validation.host);
    expect(validation.response.json).toHaveBeenCalledWith(
      expect.objectContaining({ statusCode: 400, code: 'VALIDATION_FAILED', errors: ['limit must be an integer'] }),
    );
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
