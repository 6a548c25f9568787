import { existsSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { AppConfig } from './app-config';
import { validateEnv } from './env.validation';

/**
 * Reads `.env` (ENV_FILE, default ./.env; variables already in the environment win) and
 * validates everything. Throws ConfigError naming each invalid variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const file = env.ENV_FILE ?? '.env';
  if (existsSync(file)) loadDotenv({ path: file, processEnv: env, quiet: true });
  return new AppConfig(validateEnv(env));
}
