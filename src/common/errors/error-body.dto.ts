import { ApiProperty } from '@nestjs/swagger';
import { ErrorCode } from './error-codes';

/** The JSON body of every error response of the HTTP API. */
export class ErrorBody {
  @ApiProperty({ example: 404 })
  statusCode!: number;

  @ApiProperty({ enum: ErrorCode, example: ErrorCode.USER_NOT_FOUND })
  code!: string;

  @ApiProperty({ example: 'user alice not found' })
  message!: string;

  @ApiProperty({ required: false, type: [String], description: 'Each validation problem, for VALIDATION_FAILED' })
  errors?: string[];

  @ApiProperty({ required: false, description: 'On a 500 or 503: the id of the request in the engine\'s logs (also the x-request-id response header)' })
  request_id?: string;
}
