import { isStorableText } from '@app/protocol';
import { Satisfies } from './satisfies.decorator';

/**
 * Text the database stores and gives back unchanged on every MongoDB-wire server: well-formed
 * Unicode (no lone surrogate) and no NUL, which PostgreSQL-backed servers refuse. Non-strings are
 * left to @IsString.
 */
export function IsStorableText(): PropertyDecorator {
  return Satisfies(
    (value, field) => (typeof value !== 'string' || isStorableText(value) ? null : `${field} must be well-formed Unicode text without NUL characters`),
    'isStorableText',
  );
}
