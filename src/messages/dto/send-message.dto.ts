import { IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { LIMITS, USER_ID_PATTERN } from '@app/protocol';

export class SendMessageDto {
  /** The sending user; omitted: the system sender (SYSTEM_SENDER_ID). */
  @IsOptional()
  @Matches(USER_ID_PATTERN, { message: 'sender must be a valid user id' })
  sender?: string;

  @Matches(USER_ID_PATTERN, { message: 'recipient must be a valid user id' })
  recipient!: string;

  @IsString()
  @IsNotEmpty()
  text!: string;

  @IsOptional()
  @Matches(/^[a-z][a-z0-9_-]{0,31}$/)
  type?: string;

  /** Dedupe id; generated when omitted. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.clientMessageId)
  client_message_id?: string;

  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;

  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;

  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.fullname)
  sender_fullname?: string;

  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.fullname)
  recipient_fullname?: string;
}
