import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { EnvSchema } from './env.schema';
import { brokerMaxMessageBytes } from './message-size';

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
  const problems = crossChecks(env);
  if (problems.length > 0) throw new ConfigError(problems);
  return env;
}

/** Rules that involve several settings. */
function crossChecks(env: EnvSchema): string[] {
  const problems: string[] = [];
  if (Boolean(env.RABBITMQ_USER) !== Boolean(env.RABBITMQ_PASSWORD)) {
    problems.push('RABBITMQ_USER and RABBITMQ_PASSWORD: set both (password login) or neither (the engine signs its own token)');
  }
  if (env.TOKEN_TTL_SECONDS > env.TOKEN_MAX_TTL_SECONDS) {
    problems.push(`TOKEN_TTL_SECONDS (${env.TOKEN_TTL_SECONDS}) must not exceed TOKEN_MAX_TTL_SECONDS (${env.TOKEN_MAX_TTL_SECONDS})`);
  }
  const previous = (env.JWT_PREVIOUS_KEYS ?? '').split(',').filter(Boolean);
  const brokerSecrets = [env.JWT_SECRET, ...previous.map((entry) => entry.slice(entry.indexOf(':') + 1))];
  if (env.ADMIN_JWT_SECRET && brokerSecrets.includes(env.ADMIN_JWT_SECRET)) {
    problems.push('ADMIN_JWT_SECRET must differ from JWT_SECRET and JWT_PREVIOUS_KEYS (whoever signs broker tokens must not be able to sign admin tokens)');
  }
  if ((env.ADMIN_JWT_AUDIENCE || env.ADMIN_JWT_ISSUER) && !env.ADMIN_JWT_SECRET) {
    problems.push('ADMIN_JWT_AUDIENCE and ADMIN_JWT_ISSUER only apply to admin JWTs: set ADMIN_JWT_SECRET too, or unset them');
  }
  const largest = brokerMaxMessageBytes(env.MAX_PAYLOAD_BYTES);
  if (env.DEAD_LETTER_MAX_BYTES < largest) {
    problems.push(
      `DEAD_LETTER_MAX_BYTES (${env.DEAD_LETTER_MAX_BYTES}) must hold at least one message of the largest size the broker takes (${largest} bytes: MAX_PAYLOAD_BYTES plus the engine's envelope)`,
    );
  }
  if (env.NODE_ENV === 'production' && !env.ADMIN_API_KEY && !env.ADMIN_JWT_SECRET) {
    problems.push('ADMIN_API_KEY or ADMIN_JWT_SECRET (not set): in production the admin API needs a credential (docs/tokens.md)');
  }
  return problems;
}
