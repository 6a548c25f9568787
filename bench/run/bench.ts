import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { BenchConfig, PathName } from '../config/bench-config';
import { ReadingUsers } from '../load/engine-path';
import { ReadLedger } from '../load/read-ledger';
import { ReadCheck } from '../measure/read-check';
import { seededRandom } from '../load/random';
import { Topology } from '../load/topology';
import { Progress } from '../report/progress';
import { projectRoot } from '../stack/project-root';
import { signingIssuer } from '../tokens';
import { ConnectionsResult, runConnections } from './connections';
import { ScheduledRestart } from './engine-restart';
import { FanoutPhaseResult, runFanout } from './fanout';
import { HistoryResult, runHistory } from './history';
import { PhaseResult, runPhase } from './phase';
import { Resources } from './resources';
import { checkReadState } from './read-state-check';
import { connectDirectUsers, EngineHandle, layouts, pidsFor, prepareEngine, prepareTarget, RunContext } from './targets';

export interface BenchResult {
  startedAt: string;
  config: BenchConfig;
  machine: { cpus: number; loadBefore: number[]; loadAfter: number[]; node: string };
  /** The one-to-one scenario's phases (empty in the fan-out scenario). */
  phases: Partial<Record<PathName, PhaseResult>>;
  /** The fan-out scenario's phases. */
  fanout?: Partial<Record<PathName, FanoutPhaseResult>>;
  /** The connections scenario's result (engine path only). */
  connections?: ConnectionsResult;
  /** `--receipts`: the engine phase again with receipts (`phases.engine` is the one without), and the end check. */
  receipts?: ReceiptsResult;
  /** `--history`: the history endpoints at the loaded size. */
  history?: HistoryResult;
  engineLog?: string;
}

export interface ReceiptsResult {
  phase: PhaseResult;
  check: ReadCheck;
}

/**
 * The whole run: the raw broker path first, then the engine path, each with users of its own
 * and the same load (one-to-one, or groups' fan-out), or the connections scenario (engine path
 * only); everything it started is released at the end.
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
  const run: RunContext = { config, root, target, layout, tokens: signingIssuer(target.settings, layout.engine), runId: randomBytes(3).toString('hex'), resources, progress };
  if (config.fanout) result.fanout = await runFanout(run, config.fanout, (log) => (result.engineLog = log));
  else if (config.history) result.history = await runHistory(run, config.history, (log) => (result.engineLog = log));
  else if (config.connections) result.connections = await runConnections(run, config.connections, (log) => (result.engineLog = log));
  else await runDirect(run, result);
  result.machine.loadAfter = loadavg();
  return result;
}

/** The one-to-one scenario: per path, users of their own and the same load; with --receipts the engine phase again, with receipts. */
async function runDirect(run: RunContext, result: BenchResult): Promise<void> {
  const { config, target, resources, progress } = run;
  for (const path of config.phases) {
    const engine = path === 'engine' ? await prepareEngine(config, run.root, target, resources, progress) : null;
    if (engine?.logFile) result.engineLog = engine.logFile;
    result.phases[path] = (await directPhase(run, path, engine, `bench-${run.runId}-${path}`)).phase;
    if (engine && config.receipts) {
      // The same engine and stack, users of their own: what the first phase stored stays (as in production).
      if (config.target.kind !== 'local') throw new Error('--receipts needs the bench\'s own stack');
      const local = config.target;
      const ledger = new ReadLedger();
      const { phase, check } = await directPhase(run, path, engine, `bench-${run.runId}-receipts`, { ledger, delayMs: config.receipts.readDelayMs }, async () => {
        const stack = target.stack!;
        progress.log('receipts: checking the stored read positions and the unread counts');
        return checkReadState(
          { mongoUri: stack.mongoUri, target: local, engineUrl: engine.url!, adminApiKey: target.settings.adminApiKey },
          ledger,
          config.receipts!.settleTimeoutMs,
          progress,
        );
      });
      result.receipts = { phase, check: check! };
    }
    await engine?.release();
  }
}

/**
 * One phase of the direct scenario: users of its own (nothing of one phase can reach another),
 * connected, the load, and `afterDrain` (the --receipts end check) before they disconnect.
 */
async function directPhase(
  run: RunContext,
  path: PathName,
  engine: EngineHandle | null,
  userPrefix: string,
  reads?: ReadingUsers,
  afterDrain?: () => Promise<ReadCheck>,
): Promise<{ phase: PhaseResult; check?: ReadCheck }> {
  const { config, target, progress } = run;
  const userIds = Array.from({ length: config.users }, (_, i) => `${userPrefix}-${i}`);
  const topology = Topology.build(config.topology, config.users, config.degree, seededRandom(config.seed));
  const { driver, sink, connectSeconds, disconnect } = await connectDirectUsers(run, path, userIds, engine, reads);
  const restart = engine && config.killEngineAtMs !== undefined ? new ScheduledRestart(config.killEngineAtMs, engine) : undefined;
  const phase = await runPhase(
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
    restart,
  );
  const check = afterDrain && (await afterDrain());
  await disconnect();
  return { phase, check };
}
