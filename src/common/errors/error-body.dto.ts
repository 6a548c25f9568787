import { ApiProperty } from '@nestjs/swagger';
import { ErrorCode } from './error-codes';

/** The JSON body of every error response of the HTTP API. */
export class ErrorBody {
  // No examples here: each response shows its own (ApiErrorResponses), never one status's code under another.
  @ApiProperty({ description: 'The HTTP status' })
  statusCode!: number;

  @ApiProperty({ enum: ErrorCode, description: 'Stable code (docs/protocol.md); the same status can carry several' })
  code!: string;

  @ApiProperty({ description: 'What went wrong, for a person' })
  message!: string;

  @ApiProperty({ required: false, type: [String], description: 'Each validation problem, for VALIDATION_FAILED' })
  errors?: string[];

  @ApiProperty({ required: false, description: 'On a 500 or 503: the id of the request in the engine\'s logs (also the x-request-id response header)' })
  request_id?: string;
}
