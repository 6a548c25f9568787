import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';

/** Query strings are text: `true` / `false` become booleans, anything else fails validation. */
const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

/** An optional boolean query parameter, written `true` or `false`. */
export function QueryBoolean(): PropertyDecorator {
  return applyDecorators(IsOptional(), Transform(toBoolean), IsBoolean());
}
