import { IsBoolean, IsString, Length, ValidateIf } from 'class-validator';
import { IsStorableText } from '../../common/validation';

export class UserStatusDto {
  /** `true` disables the user (their messages are refused with SENDER_DISABLED); `false` enables them. */
  @IsBoolean()
  disabled!: boolean;

  /** Why. Required to disable (kept with the user while disabled); optional to enable (logged only). */
  @ValidateIf((dto: UserStatusDto) => dto.disabled === true || dto.reason !== undefined)
  @IsString()
  @Length(1, 500)
  @IsStorableText()
  reason?: string;
}
