import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE_ENTRY as ENTRY, EngineProcess, spawnEngineProcess, untilReady } from '@app/engine-process';
import { LocalTarget } from '../config/bench-config';
import { LocalStack } from './local-stack';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Why the built engine is out of date, or null when it is current. */
export function staleBuild(root: string): string | null {
  const entry = join(root, ENTRY);
  if (!existsSync(entry)) return `${ENTRY} does not exist`;
  const built = statSync(entry).mtimeMs;
  const changed = Math.max(newestSource(join(root, 'src')), newestSource(join(root, 'libs')));
  return changed > built ? 'sources changed since the last build' : null;
}

export async function ensureBuilt(root: string, mode: LocalTarget['build'], log: (line: string) => void): Promise<void> {
  const reason = mode === 'always' ? 'asked to (--build always)' : staleBuild(root);
  if (mode === 'never' || reason === null) {
    if (!existsSync(join(root, ENTRY))) throw new Error(`${ENTRY} is missing: build first (npm run build) or drop --build never`);
    return;
  }
  log(`building the engine: ${reason}`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'nest', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`nest build failed (exit ${code})`))));
  });
  // stdout carries the report; the build's output went to the terminal as progress.
}

/**
 * Spawns the built engine against the bench stack. Its settings are the defaults but for: no
 * per-user rate limit (the bench measures capacity, and a fast trial would be refused for
 * policy), no admin API rate limit (it registers every user), warn-level logs, no Swagger, and
 * the stack's admin key; `--engine-env` overrides any of them.
 */
export async function spawnEngine(root: string, stack: LocalStack, target: LocalTarget): Promise<EngineProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    ENV_FILE: '/dev/null',
    LOG_LEVEL: 'warn',
    HTTP_HOST: '127.0.0.1',
    SWAGGER_ENABLED: 'false',
    RABBITMQ_HOST: '127.0.0.1',
    RABBITMQ_PORT: stack.env.STACK_AMQP_PORT,
    RABBITMQ_TLS_CA_FILE: stack.tls.caFile,
    RABBITMQ_TLS_CERT_FILE: stack.tls.certFile,
    RABBITMQ_TLS_KEY_FILE: stack.tls.keyFile,
    RABBITMQ_MANAGEMENT_URL: `http://127.0.0.1:${stack.env.STACK_MGMT_PORT}`,
    MQTT_URL: stack.mqttUrl,
    MONGODB_URI: stack.mongoUri,
    JWT_SECRET: stack.settings.jwtSecret,
    JWT_KEY_ID: stack.settings.jwtKeyId,
    JWT_AUDIENCE: stack.settings.audience,
    PATH_PREFIX: stack.settings.pathPrefix,
    RATE_LIMIT_PER_SECOND: '0',
    ADMIN_API_KEY: stack.settings.adminApiKey!,
    ADMIN_RATE_LIMIT_PER_MINUTE: '0',
    ...target.engineEnv,
  };
  return untilReady(await spawnEngineProcess({ root, env, logFile: `${stack.dir}/logs/engine-bench-${Date.now()}.log` }), 60_000);
}
