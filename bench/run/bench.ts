import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { TopicLayout } from '@app/protocol';
import { BenchConfig, PathName } from '../config/bench-config';
import { BrokerSettings, settingsFromEnvironment } from '../config/settings';
import { SinkSwitch } from '../load/delivery-sink';
import { EnginePath } from '../load/engine-path';
import { PathDriver } from '../load/path-driver';
import { seededRandom } from '../load/random';
import { RawPath } from '../load/raw-path';
import { Topology } from '../load/topology';
import { Tracker } from '../load/tracker';
import { Progress } from '../report/progress';
import { deleteEngineQueues, dropDatabase, registerUsers } from '../stack/engine-admin';
import { ensureBuilt, spawnEngine } from '../stack/engine-process';
import { ensureLocalStack, LocalStack } from '../stack/local-stack';
import { projectRoot } from '../stack/project-root';
import { signingIssuer, TokenIssuer } from '../tokens';
import { PhaseResult, runPhase } from './phase';
import { Resources } from './resources';
import { ProcessRole } from './measurement';

export interface BenchResult {
  startedAt: string;
  config: BenchConfig;
  machine: { cpus: number; loadBefore: number[]; loadAfter: number[]; node: string };
  phases: Partial<Record<PathName, PhaseResult>>;
  engineLog?: string;
}

interface Target {
  mqttUrl: string;
  settings: BrokerSettings;
  stack?: LocalStack;
}

/** Where each path sends: the raw path under its own prefix, which the engine does not consume. */
function layouts(settings: BrokerSettings): { engine: TopicLayout; raw: TopicLayout } {
  const engine = new TopicLayout(settings.pathPrefix);
  return { engine, raw: new TopicLayout(`${engine.prefix}-raw`) };
}

async function prepareTarget(config: BenchConfig, root: string, resources: Resources, progress: Progress): Promise<Target> {
  if (config.target.kind === 'external') {
    return { mqttUrl: config.target.mqttUrl, settings: settingsFromEnvironment(root) };
  }
  const stack = await ensureLocalStack(root, config.target, (l) => progress.log(l));
  resources.add('the local stack', () => stack.stop());
  return { mqttUrl: stack.mqttUrl, settings: stack.settings, stack };
}

interface EngineHandle {
  url?: string;
  pid?: number | null;
  logFile?: string;
  /** Stops a spawned engine (nothing for an external one). */
  release: () => Promise<void>;
}

/** The engine for the engine phase: spawned fresh on an empty database, or the one given. */
async function prepareEngine(config: BenchConfig, root: string, target: Target, resources: Resources, progress: Progress): Promise<EngineHandle> {
  if (config.target.kind === 'external') return { url: config.target.engineUrl, pid: config.target.enginePid, release: async () => undefined };
  await ensureBuilt(root, config.target.build, (l) => progress.log(l));
  await dropDatabase(target.stack!.mongoUri);
  await deleteEngineQueues(target.stack!, config.target.engineEnv);
  const engine = await spawnEngine(root, target.stack!, config.target);
  // SIGTERM (the engine drains), SIGKILL if it has not exited in 20 s.
  const release = resources.add('the engine', async () => void (await engine.stop(20_000)));
  const pid = engine.process.pid!;
  progress.log(`engine started (pid ${pid}, log ${engine.logFile})`);
  return { url: engine.url, pid, logFile: engine.logFile, release };
}

function pidsFor(config: BenchConfig, target: Target, engine: EngineHandle | null): Partial<Record<ProcessRole, number | null>> {
  if (config.target.kind === 'external') {
    return { engine: engine?.pid, broker: config.target.brokerPid, database: config.target.databasePid };
  }
  return { engine: engine?.pid ?? null, broker: target.stack!.brokerPid(), database: target.stack!.databasePid() };
}

/**
 * The whole run: the raw broker path first, then the engine path, each with users of its own
 * and the same load; everything it started is released at the end.
 */
export async function runBench(config: BenchConfig, progress: Progress, resources: Resources): Promise<BenchResult> {
  const root = projectRoot();
  const result: BenchResult = {
    startedAt: new Date().toISOString(),
    config,
    machine: { cpus: cpus().length, loadBefore: loadavg(), loadAfter: [], node: process.version },
    phases: {},
  };
  const target = await prepareTarget(config, root, resources, progress);
  const layout = layouts(target.settings);
  const tokens: TokenIssuer = signingIssuer(target.settings, layout.engine);
  const runId = randomBytes(3).toString('hex');

  for (const path of config.phases) {
    // Users of their own per phase: nothing of one phase can reach the other.
    const userIds = Array.from({ length: config.users }, (_, i) => `bench-${runId}-${path}-${i}`);
    const topology = Topology.build(config.topology, config.users, config.degree, seededRandom(config.seed));
    const sink = new SinkSwitch(new Tracker('none', 0, 1));
    const engine = path === 'engine' ? await prepareEngine(config, root, target, resources, progress) : null;
    if (engine?.logFile) result.engineLog = engine.logFile;
    if (engine?.url) await registerUsers(engine.url, target.settings.adminApiKey, userIds, (l) => progress.log(l));

    const common = { url: target.mqttUrl, userIds, tokens, qos: config.qos, sink };
    const trialSeconds = config.search ? config.search.trialDurationMs / 1000 : 'durationMs' in config.stop ? config.stop.durationMs / 1000 : 3600;
    const driver: PathDriver =
      path === 'raw'
        ? new RawPath({ ...common, layout: layout.raw })
        : new EnginePath({ ...common, layout: layout.engine, sendTimeoutMs: (trialSeconds * 2 + config.drainTimeoutMs / 1000 + 60) * 1000 });

    progress.log(`${path} path: connecting ${config.users} users`);
    const connectStart = performance.now();
    const disconnect = resources.add(`the ${path} path's connections`, () => driver.close());
    await driver.connect();
    const connectSeconds = (performance.now() - connectStart) / 1000;

    result.phases[path] = await runPhase(
      config,
      {
        path,
        driver,
        sink,
        topology,
        payloadBytes: config.payloadBytes,
        drainTimeoutMs: config.drainTimeoutMs,
        pids: pidsFor(config, target, engine),
        engineUrl: engine?.url,
        progress,
      },
      connectSeconds,
    );
    await disconnect();
    await engine?.release();
  }
  result.machine.loadAfter = loadavg();
  return result;
}
