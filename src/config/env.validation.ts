import { accessSync, constants, statSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { clientUrls, type AppConfig } from './app-config';
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

/** Why the engine cannot read this file, or null when it can (checked once at boot; read at every connection). */
function unreadableFile(path: string): string | null {
  try {
    if (!statSync(path).isFile()) return 'not a file';
    accessSync(path, constants.R_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable by this process' : (err as Error).message;
  }
}

/**
 * What the engine needs to run but a tool sharing the config (scripts/issue-token.js, unit tests)
 * does not: a way to log in to the broker over AMQP. User tokens never log in over AMQP, nor does
 * the engine's service token (it is for the management API only: docs/tokens.md).
 */
export function checkEngineConfig(config: AppConfig): void {
  const { user, tls } = config.broker;
  if (user || (tls?.certFile && tls.keyFile)) return;
  throw new ConfigError([
    'RABBITMQ_TLS_CERT_FILE and RABBITMQ_TLS_KEY_FILE (not set): the engine logs in to the broker over AMQP with a client certificate (SASL EXTERNAL), or with RABBITMQ_USER and RABBITMQ_PASSWORD',
  ]);
}

/** Rules that involve several settings. */
function crossChecks(env: EnvSchema): string[] {
  const problems: string[] = [];
  if (Boolean(env.RABBITMQ_USER) !== Boolean(env.RABBITMQ_PASSWORD)) {
    problems.push('RABBITMQ_USER and RABBITMQ_PASSWORD: set both (password login) or neither (client certificate login)');
  }
  if (Boolean(env.RABBITMQ_TLS_CERT_FILE) !== Boolean(env.RABBITMQ_TLS_KEY_FILE)) {
    problems.push('RABBITMQ_TLS_CERT_FILE and RABBITMQ_TLS_KEY_FILE: set both (client certificate) or neither');
  }
  const tlsFiles = ['RABBITMQ_TLS_CA_FILE', 'RABBITMQ_TLS_CERT_FILE', 'RABBITMQ_TLS_KEY_FILE'] as const;
  for (const name of tlsFiles) {
    const problem = env[name] && unreadableFile(env[name]);
    if (problem) problems.push(`${name} (${env[name]}): ${problem}`);
  }
  if (env.RABBITMQ_TLS === false && tlsFiles.some((name) => env[name])) {
    problems.push('RABBITMQ_TLS (false): the RABBITMQ_TLS_* files are for AMQP over TLS; unset them, or set RABBITMQ_TLS=true');
  }
  if (clientUrls(env).length === 0) {
    problems.push('MQTT_PLAIN_ENABLED (false): tokens would list no broker URL; set MQTT_TLS_URL (mqtts://) or MQTT_WSS_URL (wss://)');
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
  if (env.NODE_ENV === 'production' && env.DEV_SIGN_IN) {
    problems.push('DEV_SIGN_IN=true is refused with NODE_ENV=production: the development sign-in gives anyone a token for any user (docs/web-client.md)');
  }
  if (env.NODE_ENV === 'production' && !env.ADMIN_API_KEY && !env.ADMIN_JWT_SECRET) {
    problems.push('ADMIN_API_KEY or ADMIN_JWT_SECRET (not set): in production the admin API needs a credential (docs/tokens.md)');
  }
  return problems;
}
