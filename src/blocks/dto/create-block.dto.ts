import { IsOptional, IsString, Length } from 'class-validator';

export class CreateBlockDto {
  /** Why, for the admins (never shown to the blocked user). Blocking again keeps the first reason. */
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}
