import { ErrorCode } from './error-codes';

/** An expected failure with a stable code; the transport layers map codes to responses. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
