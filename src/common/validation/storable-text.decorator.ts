import { registerDecorator, ValidationArguments } from 'class-validator';
import { isStorableText } from '@app/protocol';

/**
 * Text the database stores and gives back unchanged on every MongoDB-wire server: well-formed
 * Unicode (no lone surrogate) and no NUL, which PostgreSQL-backed servers refuse. Non-strings are
 * left to @IsString.
 */
export function IsStorableText(): PropertyDecorator {
  return (target: object, property: string | symbol) =>
    registerDecorator({
      name: 'isStorableText',
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || isStorableText(value),
        defaultMessage: (args: ValidationArguments) => `${args.property} must be well-formed Unicode text without NUL characters`,
      },
    });
}
