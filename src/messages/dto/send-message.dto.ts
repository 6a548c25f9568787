import { IsNotEmpty, IsString, Matches, MaxLength, ValidateBy, ValidateIf, ValidationArguments } from 'class-validator';
import { isPlainObject, LIMITS, RESERVED_ATTRIBUTE_KEYS, RESERVED_TYPES, USER_ID_PATTERN } from '@app/protocol';
import { IsFreeForm, IsStorableText } from '../../common/validation';

/**
 * An optional field that, when given, must be valid: unlike @IsOptional, null is not "omitted",
 * since the message would carry it to the pipeline, which refuses it.
 */
const IsOmittable = () => ValidateIf((_dto: object, value: unknown) => value !== undefined);

/** `text` must not be blank when the type is `text` (the default). */
function NotBlankForTextType(): PropertyDecorator {
  return ValidateBy({
    name: 'notBlankForTextType',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        typeof value !== 'string' || ((args?.object as SendMessageDto).type ?? 'text') !== 'text' || value.trim().length > 0,
      defaultMessage: () => 'text must not be empty for type "text"',
    },
  });
}

function NotReservedType(): PropertyDecorator {
  return ValidateBy({
    name: 'notReservedType',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !RESERVED_TYPES.has(value),
      defaultMessage: (args?: ValidationArguments) => `type "${String(args?.value)}" is reserved for messages the engine sends`,
    },
  });
}

function NoReservedAttributes(): PropertyDecorator {
  const reservedKey = (value: unknown) => (isPlainObject(value) ? Object.keys(value).find((k) => RESERVED_ATTRIBUTE_KEYS.has(k)) : undefined);
  return ValidateBy({
    name: 'noReservedAttributes',
    validator: {
      validate: (value: unknown) => reservedKey(value) === undefined,
      defaultMessage: (args?: ValidationArguments) => `attributes.${reservedKey(args?.value)} is reserved for messages the engine sends`,
    },
  });
}

/**
 * What a client may send on its outgoing topic, checked here by the rules the pipeline applies to
 * it (parseOutgoing in libs/protocol), so the admin gets a 400 now instead of a 202 for a message
 * the engine refuses later.
 */
export class SendMessageDto {
  /** The sending user; omitted: the system sender (SYSTEM_SENDER_ID). */
  @IsOmittable()
  @Matches(USER_ID_PATTERN, { message: 'sender must be a valid user id' })
  sender?: string;

  @Matches(USER_ID_PATTERN, { message: 'recipient must be a valid user id' })
  recipient!: string;

  /** Well-formed text without NUL; not blank when the type is `text`. */
  @IsString()
  @IsStorableText()
  @NotBlankForTextType()
  text!: string;

  /** Default `text`; `system` is reserved for messages the engine sends. */
  @IsOmittable()
  @Matches(/^[a-z][a-z0-9_-]{0,31}$/)
  @NotReservedType()
  type?: string;

  /** Dedupe id; generated when omitted. */
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(LIMITS.clientMessageId)
  @IsStorableText()
  client_message_id?: string;

  /** A free-form JSON object, returned exactly as sent (any keys, at most 16 levels deep); the key `system` is reserved. */
  @IsOmittable()
  @IsFreeForm()
  @NoReservedAttributes()
  attributes?: Record<string, unknown>;

  /** A free-form JSON object, returned exactly as sent (any keys, at most 16 levels deep). */
  @IsOmittable()
  @IsFreeForm()
  metadata?: Record<string, unknown>;

  @IsOmittable()
  @IsString()
  @MaxLength(LIMITS.fullname)
  @IsStorableText()
  sender_fullname?: string;

  @IsOmittable()
  @IsString()
  @MaxLength(LIMITS.fullname)
  @IsStorableText()
  recipient_fullname?: string;
}
