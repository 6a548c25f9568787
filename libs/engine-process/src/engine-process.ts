import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';

/** The built engine's entry point, relative to the project root. */
export const ENGINE_ENTRY = 'dist/src/main.js';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface EngineProcessOptions {
  /** The project root (holds dist/). */
  root: string;
  /** The engine's whole environment; HTTP_PORT, unless given, is a free port. */
  env: Record<string, string>;
  /** Where its stdout and stderr go. */
  logFile: string;
}

export interface EngineProcess {
  url: string;
  port: number;
  process: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string>;
  /** SIGTERM (the engine drains), then waits for the exit; SIGKILL after `forceAfterMs` if given. */
  stop(forceAfterMs?: number): Promise<number | string>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<number | string>;
}

/** Spawns the built engine, by default on a free loopback port; it is not ready yet (see untilReady). */
export async function spawnEngineProcess({ root, env, logFile }: EngineProcessOptions): Promise<EngineProcess> {
  const port = await freePort();
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [ENGINE_ENTRY], { cwd: root, env: { HTTP_PORT: String(port), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stopWith = (signal: NodeJS.Signals) => {
    if (running()) child.kill(signal);
    return exited;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    process: child,
    logFile,
    exited,
    async stop(forceAfterMs?: number) {
      const force = forceAfterMs === undefined ? undefined : setTimeout(() => running() && child.kill('SIGKILL'), forceAfterMs);
      try {
        return await stopWith('SIGTERM');
      } finally {
        clearTimeout(force);
      }
    },
    kill: () => stopWith('SIGKILL'),
  };
}

/**
 * Polls GET url until it answers with `status` and returns the parsed body; fails after
 * `timeoutMs`, or at once when `exited` (the process that should answer) settles first.
 */
export async function waitForStatus(url: string, status = 200, timeoutMs = 30_000, exited?: Promise<unknown>): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited?.then(() => (gone = true));
  let last = '';
  while (Date.now() < deadline && !gone) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const body = await res.text();
      if (res.status === status) return body ? JSON.parse(body) : undefined;
      last = `${res.status} ${body.slice(0, 300)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(gone ? `the process exited before ${url} answered ${status} (last: ${last})` : `${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}

/** Waits until the engine is ready; kills it, and names its log, when it is not in time. */
export async function untilReady(engine: EngineProcess, timeoutMs: number): Promise<EngineProcess> {
  try {
    await waitForStatus(`${engine.url}/health/ready`, 200, timeoutMs, engine.exited);
  } catch (err) {
    await engine.kill();
    throw new Error(`${(err as Error).message}; engine log: ${engine.logFile}`);
  }
  return engine;
}
