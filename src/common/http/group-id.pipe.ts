import { Injectable, PipeTransform } from '@nestjs/common';
import { GROUP_ID_RULE, isValidGroupId } from '@app/protocol';
import { DomainError, ErrorCode } from '../errors';

/** Validates a group id path parameter: 400 VALIDATION_FAILED when it is not a valid id. */
@Injectable()
export class GroupIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isValidGroupId(value)) {
      throw new DomainError(ErrorCode.VALIDATION_FAILED, `invalid group id "${String(value).slice(0, 80)}": ${GROUP_ID_RULE}`);
    }
    return value;
  }
}
