import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { Request, Response } from 'express';
import { Observable, throwError } from 'rxjs';
import { fromBodyParserError } from './body-parser-errors';
import { DomainError } from './domain.error';
import { ERROR_STATUS, ErrorCode } from './error-codes';
import { ErrorBody } from './error-body.dto';

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.VALIDATION_FAILED,
  401: ErrorCode.UNAUTHORIZED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  409: ErrorCode.CONFLICT,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  429: ErrorCode.RATE_LIMITED,
  503: ErrorCode.DEPENDENCY_UNAVAILABLE,
};

/**
 * Maps every error of the HTTP layer to the stable body { statusCode, code, message }.
 *
 * Registered globally, so Nest also calls it for errors of the message pipeline (the AMQP
 * microservice, `host.getType() === 'rpc'`). Those are none of its business: it hands them back
 * untouched as an erroring Observable (what Nest expects of a filter in an RPC context), so the
 * transport sees the handler's own error and retries the message, and nothing is logged as an
 * HTTP error.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() !== 'http') return throwError(() => exception);
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const error = fromBodyParserError(exception) ?? exception;
    const body = this.toBody(error);
    if (body.statusCode >= 500 && !(error instanceof HttpException)) {
      // A fault (or a dependency down): the request id (pino-http's, also the x-request-id
      // response header) ties the admin's report to this line and to the request's other lines.
      const request = http.getRequest<Request & { id?: unknown }>();
      // pino-http sets the id; a fault before its middleware ran (body parsing) gets one here.
      let requestId = typeof request.id === 'string' ? request.id : undefined;
      if (!requestId) {
        requestId = randomUUID();
        response.setHeader('x-request-id', requestId);
      }
      const where = { method: request.method, url: request.originalUrl ?? request.url };
      this.logger.error({ err: error, request_id: requestId, ...where }, 'unhandled error in a request');
      body.request_id = requestId;
    }
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) {
      return { statusCode: ERROR_STATUS[exception.code], code: exception.code, message: exception.message };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const res = exception.getResponse();
      const raw = typeof res === 'object' && res !== null ? (res as Record<string, unknown>) : { message: res };
      const messages = Array.isArray(raw.message) ? (raw.message as string[]) : undefined;
      // A response without a message (e.g. the readiness report) keeps its own fields.
      const extra = raw.message === undefined ? raw : {};
      const body: ErrorBody = {
        ...extra,
        statusCode: status,
        code: typeof raw.code === 'string' ? raw.code : (STATUS_CODES[status] ?? (status >= 500 ? ErrorCode.INTERNAL : 'HTTP_' + status)),
        message: messages ? messages.join('; ') : String(raw.message ?? exception.message),
      };
      if (messages) body.errors = messages;
      return body;
    }
    return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, code: ErrorCode.INTERNAL, message: 'internal error' };
  }
}
