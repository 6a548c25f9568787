/** Stable codes of the engine's domain errors, shared by the REST API and the message pipeline. */
export enum ErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  NOT_FOUND = 'NOT_FOUND',
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  USER_DISABLED = 'USER_DISABLED',
  CONFLICT = 'CONFLICT',
  UNAUTHORIZED = 'UNAUTHORIZED',
  FORBIDDEN = 'FORBIDDEN',
  RATE_LIMITED = 'RATE_LIMITED',
  /** The request body is larger than HTTP_BODY_LIMIT_BYTES, compressed or once inflated. */
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  /** The request body's content type, charset or content encoding is not one the API reads. */
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  /** The request line or headers are larger than the HTTP server reads (16 KiB): e.g. a far too long id. */
  HEADERS_TOO_LARGE = 'HEADERS_TOO_LARGE',
  /** The client did not send its whole request in time. */
  REQUEST_TIMEOUT = 'REQUEST_TIMEOUT',
  DEPENDENCY_UNAVAILABLE = 'DEPENDENCY_UNAVAILABLE',
  INTERNAL = 'INTERNAL',
}

export const ERROR_STATUS: Record<ErrorCode, number> = {
  [ErrorCode.VALIDATION_FAILED]: 400,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.USER_NOT_FOUND]: 404,
  [ErrorCode.USER_DISABLED]: 409,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorCode.HEADERS_TOO_LARGE]: 431,
  [ErrorCode.REQUEST_TIMEOUT]: 408,
  [ErrorCode.DEPENDENCY_UNAVAILABLE]: 503,
  [ErrorCode.INTERNAL]: 500,
};
