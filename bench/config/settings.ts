import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'dotenv';
import { DEFAULT_PATH_PREFIX } from '@app/client';

/** What the bench needs to sign tokens the broker accepts, where the topics live, and the engine's admin key. */
export interface BrokerSettings {
  jwtSecret: string;
  jwtKeyId: string;
  audience: string;
  pathPrefix: string;
  /** The engine's ADMIN_API_KEY, to register the bench's users (unset: registration fails with 401). */
  adminApiKey?: string;
}

/**
 * The settings of an existing deployment, as the engine reads them: the environment first, then
 * `.env` in the project root.
 */
export function settingsFromEnvironment(root: string, env: NodeJS.ProcessEnv = process.env): BrokerSettings {
  const file = `${root}/.env`;
  const dotenv = existsSync(file) ? parse(readFileSync(file)) : {};
  const get = (key: string) => env[key] ?? dotenv[key];
  const jwtSecret = get('JWT_SECRET');
  if (!jwtSecret) throw new Error('JWT_SECRET is not set (environment or .env): the bench signs user tokens with it');
  return {
    jwtSecret,
    jwtKeyId: get('JWT_KEY_ID') ?? 'engine-1',
    audience: get('JWT_AUDIENCE') ?? 'rabbitmq',
    pathPrefix: get('PATH_PREFIX') ?? DEFAULT_PATH_PREFIX,
    adminApiKey: get('ADMIN_API_KEY') || undefined,
  };
}
