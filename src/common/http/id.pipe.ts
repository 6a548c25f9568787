import { Injectable, PipeTransform } from '@nestjs/common';
import { GROUP_ID_RULE, isMessageId, isValidGroupId, isValidUserId, USER_ID_RULE } from '@app/protocol';
import { DomainError, ErrorCode } from '../errors';

/** Validates an id path parameter: 400 VALIDATION_FAILED, naming the rule, when it is not a valid id. */
abstract class IdPipe implements PipeTransform<string, string> {
  constructor(
    private readonly isValid: (id: unknown) => boolean,
    private readonly what: string,
    private readonly rule: string,
  ) {}

  transform(value: string): string {
    if (!this.isValid(value)) throw new DomainError(ErrorCode.VALIDATION_FAILED, `invalid ${this.what} "${String(value).slice(0, 80)}": ${this.rule}`);
    return value;
  }
}

@Injectable()
export class UserIdPipe extends IdPipe {
  constructor() {
    super(isValidUserId, 'user id', USER_ID_RULE);
  }
}

@Injectable()
export class GroupIdPipe extends IdPipe {
  constructor() {
    super(isValidGroupId, 'group id', GROUP_ID_RULE);
  }
}

@Injectable()
export class MessageIdPipe extends IdPipe {
  constructor() {
    super(isMessageId, 'message id', 'a message id is 26 characters of Crockford base32, as the engine gives them');
  }
}

/** The other party of a conversation: a user, or a group. */
@Injectable()
export class PeerIdPipe extends IdPipe {
  constructor() {
    super((id) => isValidUserId(id) || isValidGroupId(id), 'peer (a user or group id)', `a user id (${USER_ID_RULE}) or a group id (${GROUP_ID_RULE})`);
  }
}
