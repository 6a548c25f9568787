import { ConnectionsConfig } from '../config/bench-config';
import { CloseFigures, HeldConnections, OpenFigures } from '../load/held-connections';
import { PresenceSummary, PresenceTracker } from '../load/presence-tracker';
import { PresenceWatchers, WatchAnswer, watchersFor } from '../load/presence-watchers';
import { seededRandom } from '../load/random';
import { Topology } from '../load/topology';
import { ConnectionLimits, connectionLimits, limitProblem } from '../measure/limits';
import { MemoryPoint, memoryPoint } from '../measure/memory';
import { registerUsers } from '../stack/engine-admin';
import { ProcessRole, startMeasurement } from './measurement';
import { ProcessStats } from '../measure/proc-sampler';
import { warmUp } from './phase';
import { connectDirectUsers, pidsFor, prepareEngine, RunContext } from './targets';
import { runTrial, TrialContext, TrialPlan, TrialResult } from './trial';

export interface ConnectionsResult {
  path: 'engine';
  connections: number;
  /** The limits of this machine that bound the connections (open files, local ports). */
  limits: ConnectionLimits;
  /** Registering the held users and the watchers through the admin API, s. */
  registerSeconds: number;
  watchers: number;
  /** The engine's answers to the watch lists: how many accepted, and ids it did not know. */
  watch: { accepted: number; refused: WatchAnswer[]; unknown: number };
  /** From the watch lists published to every watched user's first state (the snapshot), s; null if it never completed. */
  snapshotSeconds: number | null;
  open: OpenFigures;
  /** CPU and memory of the processes while the connections opened. */
  openProcesses: Record<ProcessRole, ProcessStats | null>;
  /** Waiting for every connected user to show online, after the last answer, s. */
  onlineWaitSeconds: number;
  /** How long the connections were held (from all online to the first close), s. */
  heldSeconds: number;
  /** CPU and memory of the processes while held (the one-to-one trial included). */
  heldProcesses: Record<ProcessRole, ProcessStats | null>;
  close: CloseFigures;
  /** Waiting for every closed user to show offline, after the last close, s. */
  offlineWaitSeconds: number;
  /** What the watchers saw; null when the engine answered no watch list (it does not route presence). */
  presence: PresenceSummary | null;
  /** Resident memory before the connections opened, at the end of the hold, and after they closed. */
  memory: { before: MemoryPoint; held: MemoryPoint; after: MemoryPoint };
  /** Connections that closed without being asked to, from their CONNACK to their close; watcher connections lost. */
  lostWhileHeld: number;
  /** Why those closed (the client's last error, or closed by the broker). */
  lostReasons: Record<string, number>;
  watcherDisconnects: number;
  /** The one-to-one load alone, and beside the held connections. */
  alone: TrialResult;
  beside: TrialResult;
}

/** After the connections close, how long to wait before reading memory again (the broker frees a closed connection's processes lazily). */
const SETTLE_AFTER_CLOSE_MS = 5000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `done()` or `timeoutMs` has passed; returns the seconds waited. */
async function waitUntil(done: () => boolean, timeoutMs: number, status: () => void): Promise<number> {
  const start = performance.now();
  let lastStatus = 0;
  while (!done() && performance.now() - start < timeoutMs) {
    if (performance.now() - lastStatus >= 1000) {
      status();
      lastStatus = performance.now();
    }
    await sleep(10);
  }
  return (performance.now() - start) / 1000;
}

function plan(run: RunContext, label: string): TrialPlan {
  const { stop, rate, users } = run.config;
  return { label, rate, window: users, ...('messages' in stop ? { total: stop.messages } : { durationMs: stop.durationMs }) };
}

/**
 * The connections scenario on the engine path: the one-to-one load alone; presence watchers set
 * up; N idle connections opened at a bounded rate; held while the one-to-one load runs again;
 * closed at the same rate. Presence is followed all along, memory read before, held and after.
 */
export async function runConnections(run: RunContext, cfg: ConnectionsConfig, onEngineLog: (file: string) => void): Promise<ConnectionsResult> {
  const { config, target, resources, progress } = run;
  const n = (x: number) => x.toLocaleString('en-US');
  const engine = await prepareEngine(config, run.root, target, resources, progress);
  if (engine.logFile) onEngineLog(engine.logFile);
  if (!engine.url) throw new Error('the connections scenario needs the engine\'s admin API to register its users: give --engine-url');
  const pids = pidsFor(config, target, engine);
  const memoryPids = { ...pids, generator: process.pid };
  const watcherCount = watchersFor(cfg.connections, cfg.watchPerWatcher);
  const limits = connectionLimits(pids.broker);
  const problem = limitProblem(limits, cfg.connections, watcherCount + config.users);
  if (problem) throw new Error(problem);

  const heldIds = Array.from({ length: cfg.connections }, (_, i) => `bench-${run.runId}-h${i}`);
  const watcherIds = Array.from({ length: watcherCount }, (_, i) => `bench-${run.runId}-w${i}`);
  const registerStart = performance.now();
  progress.log(`registering ${n(heldIds.length)} users to hold and ${n(watcherIds.length)} presence watchers`);
  await registerUsers(engine.url, target.settings.adminApiKey, [...heldIds, ...watcherIds], (l) => progress.log(l));
  const registerSeconds = (performance.now() - registerStart) / 1000;

  // The one-to-one load alone (the direct scenario's users and driver).
  const directIds = Array.from({ length: config.users }, (_, i) => `bench-${run.runId}-engine-${i}`);
  const direct = await connectDirectUsers(run, 'engine', directIds, engine);
  const ctx: TrialContext = {
    path: 'engine',
    driver: direct.driver,
    sink: direct.sink,
    topology: Topology.build(config.topology, config.users, config.degree, seededRandom(config.seed)),
    payloadBytes: config.payloadBytes,
    drainTimeoutMs: config.drainTimeoutMs,
    pids,
    engineUrl: engine.url,
    progress,
  };
  await warmUp(ctx, config.users, config.users);
  const alone = await runTrial(ctx, plan(run, 'one-to-one alone'));
  progress.log(`one-to-one alone: p99 ${alone.latency?.p99.toFixed(1) ?? '-'} ms, ${alone.counts.lost} lost`);

  // The watchers, and the snapshot of the (still offline) held users.
  const tracker = new PresenceTracker(cfg.connections);
  const watchers = new PresenceWatchers({ url: target.mqttUrl, layout: run.layout.engine, tokens: run.tokens, qos: config.qos, watcherIds, heldIds, perWatcher: cfg.watchPerWatcher, tracker });
  const closeWatchers = resources.add('the presence watchers', () => watchers.close());
  progress.log(`connecting ${n(watcherIds.length)} presence watchers (${n(cfg.watchPerWatcher)} users each)`);
  await watchers.connect();
  const watchStart = performance.now();
  const answers = await watchers.watch();
  // An engine that does not route presence answers no watcher: the rest is still measured.
  const presenceMeasured = answers.some((a) => a.answered);
  if (!presenceMeasured) progress.log('no watcher got an answer to its watch list: the engine does not route presence; presence is not measured');
  const refused = answers.filter((a) => a.answered && !a.ok);
  if (refused.length) {
    const first = refused[0];
    throw new Error(
      `the engine refused ${refused.length} watch list(s): ${first.code ?? ''} ${first.reason ?? ''}` +
        (cfg.watchPerWatcher > 500 ? ` (above 500 per watcher, raise the engine's limit: --engine-env PRESENCE_MAX_WATCHED=${cfg.watchPerWatcher})` : ''),
    );
  }
  const presenceTimeoutMs = presenceMeasured ? config.drainTimeoutMs : 0;
  await waitUntil(() => tracker.snapshotSeen >= cfg.connections, presenceTimeoutMs, () =>
    progress.status(`[presence] snapshot ${n(tracker.snapshotSeen)} of ${n(cfg.connections)} users`),
  );
  const snapshotSeconds = tracker.snapshotSeen >= cfg.connections ? (performance.now() - watchStart) / 1000 : null;
  progress.clear();
  if (presenceMeasured) progress.log(`watching: ${n(tracker.snapshotSeen)} of ${n(cfg.connections)} users' states came in ${((performance.now() - watchStart) / 1000).toFixed(1)} s`);

  const before = await memoryPoint(memoryPids);

  // Open the connections at the bounded rate.
  const held = new HeldConnections({
    url: target.mqttUrl,
    layout: run.layout.engine,
    tokens: run.tokens,
    qos: config.qos,
    userIds: heldIds,
    shape: cfg.heldShape,
    keepaliveSeconds: cfg.keepaliveSeconds,
    rate: cfg.connectRate,
    maxPending: cfg.maxPending,
    presence: tracker,
  });
  const dropHeld = resources.add('the held connections', () => held.abandon());
  progress.log(`opening ${n(cfg.connections)} connections at ${n(cfg.connectRate)}/s (at most ${n(cfg.maxPending)} pending)`);
  const openMeasurement = await startMeasurement(pids, undefined);
  const open = await held.open((done) =>
    progress.status(`[open] ${n(done)} of ${n(cfg.connections)} answered, ${n(held.connected)} connected, ${n(tracker.seenOnlineConnected)} seen online`),
  );
  const openProcesses = (await openMeasurement.stop()).processes;
  progress.clear();
  progress.log(`opened ${n(open.connected)} of ${n(open.attempted)} in ${open.seconds.toFixed(1)} s (${Math.round(open.achievedRate)}/s)`);
  const onlineWaitSeconds = await waitUntil(() => tracker.seenOnlineConnected >= held.connected, presenceTimeoutMs, () =>
    progress.status(`[presence] ${n(tracker.seenOnlineConnected)} of ${n(held.connected)} seen online`),
  );
  progress.clear();
  if (presenceMeasured) progress.log(`${n(tracker.seenOnlineConnected)} of ${n(held.connected)} seen online`);

  // Hold: the one-to-one load beside them, then the rest of the hold idle.
  const holdStart = performance.now();
  const heldMeasurement = await startMeasurement(pids, undefined);
  const beside = await runTrial(ctx, plan(run, `one-to-one beside ${n(held.connected)} idle`));
  progress.log(`one-to-one beside ${n(held.connected)} idle connections: p99 ${beside.latency?.p99.toFixed(1) ?? '-'} ms, ${beside.counts.lost} lost`);
  await waitUntil(() => performance.now() - holdStart >= cfg.holdMs, cfg.holdMs, () =>
    progress.status(`[hold] ${((performance.now() - holdStart) / 1000).toFixed(0)} of ${cfg.holdMs / 1000} s, ${n(held.lost)} dropped`),
  );
  const heldMemory = await memoryPoint(memoryPids);
  const heldProcesses = (await heldMeasurement.stop()).processes;
  const heldSeconds = (performance.now() - holdStart) / 1000;
  progress.clear();

  // Close them at the same rate, cleanly.
  progress.log(`closing ${n(held.connected - held.lost)} connections at ${n(cfg.connectRate)}/s`);
  const lostWhileHeld = held.lost;
  const close = await held.close((done) => progress.status(`[close] ${n(done)} closed, ${n(tracker.seenOffline)} seen offline`));
  await dropHeld();
  progress.clear();
  const offlineWaitSeconds = await waitUntil(() => tracker.seenOffline >= close.closed, presenceTimeoutMs, () =>
    progress.status(`[presence] ${n(tracker.seenOffline)} of ${n(close.closed)} seen offline`),
  );
  progress.clear();
  if (presenceMeasured) progress.log(`${n(tracker.seenOffline)} of ${n(close.closed)} seen offline`);
  await sleep(SETTLE_AFTER_CLOSE_MS);
  const after = await memoryPoint(memoryPids);

  const watcherDisconnects = watchers.disconnects;
  await closeWatchers();
  await direct.disconnect();
  await engine.release();
  return {
    path: 'engine',
    connections: cfg.connections,
    limits,
    registerSeconds,
    watchers: watcherIds.length,
    watch: { accepted: answers.filter((a) => a.ok).length, refused, unknown: answers.reduce((s, a) => s + a.unknown, 0) },
    snapshotSeconds,
    open,
    openProcesses,
    onlineWaitSeconds,
    heldSeconds,
    heldProcesses,
    close,
    offlineWaitSeconds,
    presence: presenceMeasured ? tracker.summary() : null,
    memory: { before, held: heldMemory, after },
    lostWhileHeld,
    lostReasons: { ...held.lostReasons },
    watcherDisconnects,
    alone,
    beside,
  };
}
