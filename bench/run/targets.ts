import { TopicLayout } from '@app/protocol';
import { BenchConfig, PathName } from '../config/bench-config';
import { BrokerSettings, settingsFromEnvironment } from '../config/settings';
import { SinkSwitch } from '../load/delivery-sink';
import { EnginePath, ReadingUsers } from '../load/engine-path';
import { PathDriver } from '../load/path-driver';
import { RawPath } from '../load/raw-path';
import { Tracker } from '../load/tracker';
import { Progress } from '../report/progress';
import { RestartTimes } from '../measure/restart-window';
import { deleteEngineQueues, dropDatabase, preloadMessages, registerUsers, storedMessages } from '../stack/engine-admin';
import { ensureBuilt, spawnEngine } from '../stack/engine-process';
import { ensureLocalStack, LocalStack } from '../stack/local-stack';
import { TokenIssuer } from '../tokens';
import { ProcessRole } from './measurement';
import { Resources } from './resources';

export interface Target {
  mqttUrl: string;
  settings: BrokerSettings;
  stack?: LocalStack;
}

/** Where each path sends: the raw path under its own prefix, which the engine does not consume. */
export function layouts(settings: BrokerSettings): { engine: TopicLayout; raw: TopicLayout } {
  const engine = new TopicLayout(settings.pathPrefix);
  return { engine, raw: new TopicLayout(`${engine.prefix}-raw`) };
}

export async function prepareTarget(config: BenchConfig, root: string, resources: Resources, progress: Progress): Promise<Target> {
  if (config.target.kind === 'external') {
    return { mqttUrl: config.target.mqttUrl, settings: settingsFromEnvironment(root) };
  }
  const stack = await ensureLocalStack(root, config.target, (l) => progress.log(l));
  resources.add('the local stack', () => stack.stop());
  return { mqttUrl: stack.mqttUrl, settings: stack.settings, stack };
}

export interface EngineHandle {
  url?: string;
  pid?: number | null;
  logFile?: string;
  /** Messages the database held when the engine started (spawned engine only). */
  storedAtStart?: number;
  /** Stops a spawned engine (nothing for an external one). */
  release: () => Promise<void>;
  /**
   * A spawned engine only: SIGKILL, wait RESTART_DELAY_MS, spawn it again with the same settings
   * (a new log file) and wait until it is ready; `url`, `pid` and `logFile` then name the new one.
   */
  restart?: () => Promise<RestartTimes & { killedPid: number }>;
}

/** The pause between the kill and the restart of `--kill-engine-at`. */
export const RESTART_DELAY_MS = 1000;

/** The engine for the engine phase: spawned fresh (on an emptied database unless told), or the one given. */
export async function prepareEngine(config: BenchConfig, root: string, target: Target, resources: Resources, progress: Progress): Promise<EngineHandle> {
  if (config.target.kind === 'external') return { url: config.target.engineUrl, pid: config.target.enginePid, release: async () => undefined };
  const local = config.target;
  const stack = target.stack!;
  await ensureBuilt(root, local.build, (l) => progress.log(l));
  if (!local.keepDatabase) await dropDatabase(stack.mongoUri);
  if (local.preload > 0) {
    progress.log(`preloading ${local.preload.toLocaleString('en-US')} messages`);
    await preloadMessages(stack.mongoUri, local.preload, local.engineEnv.APP_ID, (l) => progress.log(l));
  }
  const storedAtStart = await storedMessages(stack.mongoUri);
  await deleteEngineQueues(stack, local.engineEnv);
  let engine = await spawnEngine(root, stack, local);
  // SIGTERM (the engine drains), SIGKILL if it has not exited in 20 s.
  const release = resources.add('the engine', async () => void (await engine.stop(20_000)));
  progress.log(`engine started (pid ${engine.process.pid}, log ${engine.logFile}; ${storedAtStart.toLocaleString('en-US')} messages stored)`);
  const handle: EngineHandle = { url: engine.url, pid: engine.process.pid!, logFile: engine.logFile, storedAtStart, release };
  handle.restart = async () => {
    const killedPid = engine.process.pid!;
    const killedAt = performance.now();
    await engine.kill();
    progress.log(`engine killed (SIGKILL, pid ${killedPid}); restarting it in ${RESTART_DELAY_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, RESTART_DELAY_MS));
    engine = await spawnEngine(root, stack, local);
    const readyAt = performance.now();
    Object.assign(handle, { url: engine.url, pid: engine.process.pid!, logFile: engine.logFile });
    progress.log(`engine restarted (pid ${handle.pid}, log ${engine.logFile}), ready ${((readyAt - killedAt) / 1000).toFixed(1)} s after the kill`);
    return { killedAt, readyAt, killedPid };
  };
  return handle;
}

export function pidsFor(config: BenchConfig, target: Target, engine: EngineHandle | null): Partial<Record<ProcessRole, number | null>> {
  if (config.target.kind === 'external') {
    return { engine: engine?.pid, broker: config.target.brokerPid, database: config.target.databasePid };
  }
  const stack = target.stack!;
  return { engine: engine?.pid ?? null, broker: stack.brokerPid(), database: stack.databasePid(), postgres: stack.postgresPid() };
}

/** A send's timeout on the engine path: longer than any trial plus its drain, so it never ends before the bench stops waiting. */
export function sendTimeoutMs(config: BenchConfig): number {
  const trialSeconds = config.search ? config.search.trialDurationMs / 1000 : 'durationMs' in config.stop ? config.stop.durationMs / 1000 : 3600;
  return (trialSeconds * 2 + config.drainTimeoutMs / 1000 + 60) * 1000;
}

/** What every phase of a run shares. */
export interface RunContext {
  config: BenchConfig;
  root: string;
  target: Target;
  layout: { engine: TopicLayout; raw: TopicLayout };
  tokens: TokenIssuer;
  /** In every user and group id of the run, so nothing of an earlier run is taken for this one's. */
  runId: string;
  resources: Resources;
  progress: Progress;
}

export interface ConnectedUsers {
  driver: PathDriver;
  sink: SinkSwitch;
  connectSeconds: number;
  /** Closes the connections (once; also done by the run's resources on an early exit). */
  disconnect: () => Promise<void>;
}

/** One-to-one users of a path: registered with the engine (on the engine path), connected and subscribed; with `reads`, reporting receipts. */
export async function connectDirectUsers(run: RunContext, path: PathName, userIds: readonly string[], engine: EngineHandle | null, reads?: ReadingUsers): Promise<ConnectedUsers> {
  const { target, layout, tokens, config, progress } = run;
  if (engine?.url) await registerUsers(engine.url, target.settings.adminApiKey, userIds, (l) => progress.log(l));
  const sink = new SinkSwitch(new Tracker('none', 0, 1));
  const common = { url: target.mqttUrl, userIds, tokens, qos: config.qos, sink };
  const driver: PathDriver =
    path === 'raw' ? new RawPath({ ...common, layout: layout.raw }) : new EnginePath({ ...common, layout: layout.engine, sendTimeoutMs: sendTimeoutMs(config), reads });
  progress.log(`${path} path${reads ? ' with receipts' : ''}: connecting ${userIds.length} users`);
  const connectStart = performance.now();
  const disconnect = run.resources.add(`the ${path} path's connections`, () => driver.close());
  await driver.connect();
  return { driver, sink, connectSeconds: (performance.now() - connectStart) / 1000, disconnect };
}
