import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorBody } from './error-body.dto';
import { ERROR_STATUS, ErrorCode } from './error-codes';

/** What an operation answers with, by code: `{ USER_NOT_FOUND: 'No such user' }`. */
export type ErrorDescriptions = Partial<Record<ErrorCode, string>>;

export interface DocumentedError {
  status: number;
  description: string;
  /** An example body per code, named by it (the Swagger UI offers each). */
  examples: Record<string, { summary: string; value: { statusCode: number; code: ErrorCode; message: string } }>;
}

/**
 * The error responses of an operation, one per HTTP status (ERROR_STATUS), each with examples of
 * its own codes only: a status is derived from its code, never written beside it.
 */
export function documentedErrors(errors: ErrorDescriptions): DocumentedError[] {
  const byStatus = new Map<number, DocumentedError>();
  for (const [code, description] of Object.entries(errors) as Array<[ErrorCode, string]>) {
    const status = ERROR_STATUS[code];
    const response = byStatus.get(status) ?? { status, description: '', examples: {} };
    response.description += `${response.description ? '; ' : ''}${code}: ${description}`;
    response.examples[code] = { summary: description, value: { statusCode: status, code, message: description } };
    byStatus.set(status, response);
  }
  return [...byStatus.values()];
}

/**
 * Documents an endpoint's error responses by their codes, all with the ErrorBody shape:
 * `@ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id or body', USER_NOT_FOUND: 'No such user' })`.
 * Codes sharing a status (404: NOT_FOUND and USER_NOT_FOUND) share its response, an example each.
 */
export function ApiErrorResponses(errors: ErrorDescriptions): MethodDecorator {
  return applyDecorators(...documentedErrors(errors).map((response) => ApiResponse({ ...response, type: ErrorBody })));
}
