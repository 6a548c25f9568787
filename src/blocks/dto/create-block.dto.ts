import { IsOptional, IsString, Length } from 'class-validator';
import { IsStorableText } from '../../common/validation';

export class CreateBlockDto {
  /** Why, for the admins (never shown to the blocked user). Blocking again keeps the first reason. */
  @IsOptional()
  @IsString()
  @Length(1, 500)
  @IsStorableText()
  reason?: string;
}
