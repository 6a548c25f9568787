import type { ChildProcess } from 'node:child_process';
import { EngineProcess, spawnEngineProcess, untilReady } from '@app/engine-process';
import { engineEnv, ROOT, TEST_STACK } from './test-env';

export { freePort, waitForStatus } from '@app/engine-process';
export type { EngineProcess } from '@app/engine-process';

/** Engines spawned by the current test file and not exited yet. */
const running = new Set<ChildProcess>();

/**
 * Stops what a test file left running (test/support/engine-cleanup.ts calls it after each file):
 * SIGTERM, and SIGKILL after 15 s. A file whose own afterAll failed must not leave an engine
 * consuming the next files' messages.
 */
export async function stopLeftoverEngines(): Promise<number> {
  const left = [...running];
  await Promise.all(
    left.map(
      (child) =>
        new Promise((resolve) => {
          const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => resolve(clearTimeout(force)));
          child.kill('SIGTERM');
        }),
    ),
  );
  return left.length;
}

/** Spawns the built engine (dist/) with the test environment plus overrides. */
export async function spawnEngine(name: string, overrides: Record<string, string> = {}): Promise<EngineProcess> {
  const engine = await spawnEngineProcess({
    root: ROOT,
    env: { PATH: process.env.PATH ?? '', ...engineEnv(overrides) },
    logFile: `${TEST_STACK.STACK_DIR}/logs/engine-${name}-${Date.now()}.log`,
  });
  running.add(engine.process);
  void engine.exited.then(() => running.delete(engine.process));
  return engine;
}

/** Spawns an engine and waits until it is ready. */
export async function startEngine(name: string, overrides: Record<string, string> = {}): Promise<EngineProcess> {
  return untilReady(await spawnEngine(name, overrides), 45_000);
}
