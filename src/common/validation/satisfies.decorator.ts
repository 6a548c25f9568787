import { registerDecorator } from 'class-validator';

/**
 * A field checked by one of the wire contract's own rules (libs/protocol's `...Problem(value)`
 * functions: null when acceptable, else why not; given the field's name to say it), so REST and
 * MQTT refuse the same values with the same words.
 */
export function Satisfies(problem: (value: unknown, field: string) => string | null, name = 'satisfies'): PropertyDecorator {
  return (target: object, property: string | symbol) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate: (value: unknown) => problem(value, String(property)) === null,
        defaultMessage: (args) => problem(args?.value, String(property)) ?? `${String(property)} is invalid`,
      },
    });
}
