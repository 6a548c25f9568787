import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorBody } from './error-body.dto';

/**
 * Documents an endpoint's error responses, all with the ErrorBody shape:
 * `@ApiErrorResponses({ 400: 'Invalid user id or body', 404: 'No such user' })`.
 */
export function ApiErrorResponses(descriptions: Record<number, string>): MethodDecorator {
  return applyDecorators(
    ...Object.entries(descriptions).map(([status, description]) => ApiResponse({ status: Number(status), type: ErrorBody, description })),
  );
}
