import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { engineEnv, ROOT, TEST_STACK } from './test-env';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface EngineProcess {
  url: string;
  port: number;
  process: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<number | string>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<number | string>;
}

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
  const port = await freePort();
  const logDir = `${TEST_STACK.STACK_DIR}/logs`;
  mkdirSync(logDir, { recursive: true });
  const logFile = `${logDir}/engine-${name}-${Date.now()}.log`;
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...engineEnv({ HTTP_PORT: String(port), ...overrides }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  running.add(child);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  const stopWith = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    process: child,
    logFile,
    exited,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
  };
}

/** Polls GET path until it answers with the status, or fails after timeoutMs. */
export async function waitForStatus(url: string, status = 200, timeoutMs = 30_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      const body = await res.text();
      if (res.status === status) return body ? JSON.parse(body) : undefined;
      last = `${res.status} ${body.slice(0, 300)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}

/** Spawns an engine and waits until it is ready. */
export async function startEngine(name: string, overrides: Record<string, string> = {}): Promise<EngineProcess> {
  const engine = await spawnEngine(name, overrides);
  try {
    await waitForStatus(`${engine.url}/health/ready`, 200, 45_000);
  } catch (err) {
    await engine.kill();
    throw new Error(`${(err as Error).message}; engine log: ${engine.logFile}`);
  }
  return engine;
}
