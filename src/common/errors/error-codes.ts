import { ErrorCode } from '@app/protocol';

// The codes are the wire contract (libs/protocol); their HTTP statuses are the REST layer's own.
// Re-exported so the REST side takes its errors from one place.
export { ErrorCode };

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
  [ErrorCode.GROUP_NOT_FOUND]: 404,
  [ErrorCode.NOT_A_MEMBER]: 409,
  [ErrorCode.GROUP_FULL]: 409,
  [ErrorCode.MESSAGE_NOT_FOUND]: 404,
  [ErrorCode.NOT_THE_SENDER]: 403,
  [ErrorCode.EDIT_WINDOW_PASSED]: 409,
};
