import { registerDecorator } from 'class-validator';

/**
 * A field checked by one of the wire contract's own rules (libs/protocol's `...Problem(value)`
 * functions: null when acceptable, else why not), so REST and MQTT refuse the same values with
 * the same words.
 */
export function Satisfies(problem: (value: unknown) => string | null): PropertyDecorator {
  return (target: object, property: string | symbol) =>
    registerDecorator({
      name: 'satisfies',
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate: (value: unknown) => problem(value) === null,
        defaultMessage: (args) => problem(args?.value) ?? `${String(property)} is invalid`,
      },
    });
}
