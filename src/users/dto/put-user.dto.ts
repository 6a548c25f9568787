import { IsOptional, IsString, Length } from 'class-validator';
import { IsFreeForm, IsStorableText } from '../../common/validation';

export class PutUserDto {
  /** The name other users see. */
  @IsString()
  @Length(1, 256)
  @IsStorableText()
  display_name!: string;

  /**
   * Any JSON object of the app's own, kept with the user and replaced as a whole, returned exactly
   * as sent. Any keys; at most 16 levels deep, finite numbers, well-formed text, keys of at most
   * 256 characters. Omitted or null: none.
   */
  @IsOptional()
  @IsFreeForm()
  metadata?: Record<string, unknown> | null;
}
