import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT, TEST_JWT_KEY_ID, TEST_JWT_SECRET, TEST_STACK } from './test-env';

const run = promisify(execFile);

/**
 * Runs scripts/stack.sh for the test stack: `stack('start', 'ferretdb')`; or for a node of a test's
 * own when `node` gives its STACK_* settings and keys.
 */
export async function stack(
  command: 'start' | 'stop' | 'status',
  service = 'all',
  node: Record<string, string> = { ...TEST_STACK, JWT_SECRET: TEST_JWT_SECRET, JWT_KEY_ID: TEST_JWT_KEY_ID },
): Promise<string> {
  const { stdout } = await run('bash', [`${ROOT}/scripts/stack.sh`, command, service], {
    env: { ...process.env, ...node },
    cwd: ROOT,
    timeout: 300_000,
  });
  return stdout;
}

/** True when every selected service of the test stack is running. */
export async function stackRunning(service = 'all'): Promise<boolean> {
  try {
    await stack('status', service);
    return true;
  } catch {
    return false;
  }
}
