import { existsSync, readFileSync, rmSync } from 'node:fs';
import { stack } from './support/stack';
import { TEST_STACK } from './support/test-env';

/** Stops what global-setup started (set KEEP_TEST_STACK=1 to keep it running for the next run). */
export default async function globalTeardown(): Promise<void> {
  const file = `${TEST_STACK.STACK_DIR}/e2e-started.json`;
  if (!existsSync(file)) return;
  const started = JSON.parse(readFileSync(file, 'utf8')) as string[];
  rmSync(file);
  if (process.env.KEEP_TEST_STACK) return;
  // FerretDB before its PostgreSQL.
  for (const service of started.reverse()) await stack('stop', service);
}
