import { IsObject, IsOptional, IsString, Length } from 'class-validator';

export class PutUserDto {
  /** The name other users see. */
  @IsString()
  @Length(1, 256)
  display_name!: string;

  /** Any JSON object of the app's own, kept with the user and replaced as a whole. Omitted: none. */
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}
