import { HttpException } from '@nestjs/common';
import { DomainError } from './domain.error';
import { ErrorCode } from './error-codes';

/** What body-parser (and raw-body under it) passes to `next(err)`: an http-errors error. */
interface BodyParserError {
  status: number;
  type?: string;
  message: string;
}

/** http-errors marks each error with `expose`; Nest's HttpException and our DomainError have none. */
function isBodyParserError(err: unknown): err is BodyParserError {
  if (!(err instanceof Error) || err instanceof HttpException || err instanceof DomainError) return false;
  const { status, type, expose } = err as Error & { status?: unknown; type?: unknown; expose?: unknown };
  return typeof status === 'number' && typeof expose === 'boolean' && (type === undefined || typeof type === 'string');
}

/**
 * The domain error for what body-parser refused, or null when `err` is not one of its client
 * errors (any 4xx it gives, mapped by its `type`, else by status). Without this, its errors (plain http-errors, not Nest's HttpException) reach the
 * exception filter as unknown faults and answer 500. Its 5xx (e.g. "stream is not readable") stay
 * faults. Messages are ours: body-parser's may quote the body.
 */
export function fromBodyParserError(err: unknown): DomainError | null {
  if (!isBodyParserError(err) || err.status < 400 || err.status >= 500) return null;
  switch (err.type) {
    case 'entity.too.large':
      // Also what a compressed body inflated past the limit gives: raw-body counts inflated bytes.
      return new DomainError(ErrorCode.PAYLOAD_TOO_LARGE, 'request body too large (see HTTP_BODY_LIMIT_BYTES)');
    case 'encoding.unsupported':
      return new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'unsupported content-encoding: send identity, gzip, deflate or br');
    case 'charset.unsupported':
      return new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'unsupported charset: send JSON as UTF-8');
    case 'entity.parse.failed':
      return new DomainError(ErrorCode.VALIDATION_FAILED, `request body is not valid JSON: ${err.message.slice(0, 120)}`);
    case 'request.aborted':
      return new DomainError(ErrorCode.VALIDATION_FAILED, 'request body aborted by the client');
    case 'request.size.invalid':
      return new DomainError(ErrorCode.VALIDATION_FAILED, 'request body does not match its content-length');
    default:
      // A corrupt gzip/deflate/br stream: zlib's error, given status 400 and no type.
      if (err.status === 400) return new DomainError(ErrorCode.VALIDATION_FAILED, 'request body could not be read: corrupt compressed data?');
      if (err.status === 413) return new DomainError(ErrorCode.PAYLOAD_TOO_LARGE, 'request body too large (see HTTP_BODY_LIMIT_BYTES)');
      if (err.status === 415) return new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'unsupported request body format');
      return new DomainError(ErrorCode.VALIDATION_FAILED, 'request body could not be read');
  }
}
