import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { EnvSchema } from './env.schema';

/** Thrown at boot when settings are invalid; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function describe(error: ValidationError): string {
  const value = error.value === undefined ? 'not set' : 'invalid value';
  const reasons = Object.values(error.constraints ?? {}).join('; ');
  return `${error.property} (${value}): ${reasons}`;
}

/** Validates the raw environment; empty strings count as "not set" so defaults apply. */
export function validateEnv(raw: Record<string, unknown>): EnvSchema {
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ''));
  const env = plainToInstance(EnvSchema, cleaned, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false, skipMissingProperties: false });
  if (errors.length > 0) throw new ConfigError(errors.map(describe));
  if (Boolean(env.RABBITMQ_USER) !== Boolean(env.RABBITMQ_PASSWORD)) {
    throw new ConfigError(['RABBITMQ_USER and RABBITMQ_PASSWORD: set both (password login) or neither (the engine signs its own token)']);
  }
  return env;
}
