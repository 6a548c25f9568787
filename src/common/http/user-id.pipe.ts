import { Injectable, PipeTransform } from '@nestjs/common';
import { isValidUserId, USER_ID_RULE } from '@app/protocol';
import { DomainError, ErrorCode } from '../errors';

/** Validates a user id path parameter: 400 VALIDATION_FAILED when it is not a valid id. */
@Injectable()
export class UserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isValidUserId(value)) {
      throw new DomainError(ErrorCode.VALIDATION_FAILED, `invalid user id "${String(value).slice(0, 80)}": ${USER_ID_RULE}`);
    }
    return value;
  }
}
