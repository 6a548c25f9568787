import { FanoutConfig, GroupClass, PathName } from '../config/bench-config';
import { engineFanoutWire, FanoutMembers, rawFanoutWire } from '../load/fanout-path';
import { FanoutTracker } from '../load/fanout-tracker';
import { seededRandom } from '../load/random';
import { Topology } from '../load/topology';
import { createGroups, registerUsers } from '../stack/engine-admin';
import { FanoutTrialContext, FanoutTrialResult, runFanoutTrial } from './fanout-trial';
import { warmUp } from './phase';
import { connectDirectUsers, EngineHandle, pidsFor, prepareEngine, RunContext } from './targets';
import { runTrial, TrialPlan, TrialResult } from './trial';

export interface FanoutClassResult {
  path: PathName;
  shape: GroupClass;
  /** Registering the members and creating the groups through the admin API (engine path), s. */
  setupSeconds: number;
  /** Connecting and subscribing every member, s. */
  connectSeconds: number;
  trial: FanoutTrialResult;
}

/** One-to-one latency alone, then beside a big group's fan-out, on the same users. */
export interface MixedCheckResult {
  path: PathName;
  members: number;
  connectSeconds: number;
  alone: TrialResult;
  loaded: TrialResult;
  group: FanoutTrialResult;
}

export interface FanoutPhaseResult {
  path: PathName;
  classes: FanoutClassResult[];
  mixed: MixedCheckResult | null;
}

/** The ids of one set of groups: groups `{base}-g{g}`, members `{base}-g{g}-m{m}` (member 0 first). */
export function groupIds(base: string, shape: GroupClass): { groupIds: string[]; userIds: string[] } {
  const groupIds = Array.from({ length: shape.groups }, (_, g) => `group-${base}-g${g}`);
  const userIds = groupIds.flatMap((_, g) => Array.from({ length: shape.members }, (_, m) => `${base}-g${g}-m${m}`));
  return { groupIds, userIds };
}

interface ConnectedGroups {
  members: FanoutMembers;
  setupSeconds: number;
  connectSeconds: number;
  disconnect: () => Promise<void>;
}

/** A set of groups on a path: members registered and groups created (engine path), every member connected. */
async function connectGroups(run: RunContext, path: PathName, base: string, shape: GroupClass, concurrency: number, engine: EngineHandle | null): Promise<ConnectedGroups> {
  const { target, layout, tokens, progress } = run;
  const ids = groupIds(base, shape);
  const setupStart = performance.now();
  if (engine) {
    if (!engine.url) throw new Error('the fan-out scenario needs the engine\'s admin API to create groups: give --engine-url');
    progress.log(`${path} path: registering ${ids.userIds.length.toLocaleString('en-US')} members and creating ${shape.groups} groups`);
    await registerUsers(engine.url, target.settings.adminApiKey, ids.userIds, (l) => progress.log(l));
    await createGroups(
      engine.url,
      target.settings.adminApiKey,
      ids.groupIds.map((groupId, g) => ({ groupId, members: ids.userIds.slice(g * shape.members, (g + 1) * shape.members) })),
    );
  }
  const setupSeconds = (performance.now() - setupStart) / 1000;
  const wire = path === 'raw' ? rawFanoutWire(layout.raw, tokens) : engineFanoutWire(layout.engine, tokens);
  const members = new FanoutMembers({
    url: target.mqttUrl,
    wire,
    shape,
    ...ids,
    qos: run.config.qos,
    connectConcurrency: concurrency,
    sink: new FanoutTracker('none', shape, 0, 1),
  });
  progress.log(`${path} path: connecting ${ids.userIds.length.toLocaleString('en-US')} members of ${shape.groups} groups, ${concurrency} at a time`);
  const connectStart = performance.now();
  const disconnect = run.resources.add(`the ${path} path's group members`, () => members.close());
  await members.connect();
  const connectSeconds = (performance.now() - connectStart) / 1000;
  progress.log(`${path} path: ${ids.userIds.length.toLocaleString('en-US')} members connected in ${connectSeconds.toFixed(1)} s`);
  return { members, setupSeconds, connectSeconds, disconnect };
}

function trialPlan(run: RunContext, label: string, rate: number | 'max', window: number): TrialPlan {
  const { stop } = run.config;
  return { label, rate, window, ...('messages' in stop ? { total: stop.messages } : { durationMs: stop.durationMs }) };
}

/**
 * Before a measured fan-out trial every group sends two messages, unmeasured and one at a time
 * per group: the first copies otherwise pay for what happens once (routes, caches, the JIT).
 */
async function fanoutWarmUp(ctx: FanoutTrialContext): Promise<void> {
  const { groups } = ctx.members.shape;
  await runFanoutTrial(ctx, { label: 'warm-up', rate: 'max', window: groups, total: 2 * groups });
}

/**
 * The fan-out scenario, path after path: each class of groups on connections of its own (opened,
 * warmed up, measured, closed), then the mixed check. The engine path runs against one spawned
 * engine for all of them.
 */
export async function runFanout(run: RunContext, fanout: FanoutConfig, onEngineLog: (file: string) => void): Promise<Partial<Record<PathName, FanoutPhaseResult>>> {
  const { config, target, resources, progress } = run;
  const results: Partial<Record<PathName, FanoutPhaseResult>> = {};
  for (const path of config.phases) {
    const engine = path === 'engine' ? await prepareEngine(config, run.root, target, resources, progress) : null;
    if (engine?.logFile) onEngineLog(engine.logFile);
    const common = { path, drainTimeoutMs: config.drainTimeoutMs, pids: pidsFor(config, target, engine), engineUrl: engine?.url, progress, payloadBytes: config.payloadBytes };
    const phase: FanoutPhaseResult = { path, classes: [], mixed: null };
    for (const [i, shape] of fanout.classes.entries()) {
      const groups = await connectGroups(run, path, `bench-${run.runId}-${path}-c${i}`, shape, fanout.connectConcurrency, engine);
      const ctx: FanoutTrialContext = { ...common, members: groups.members };
      await fanoutWarmUp(ctx);
      const label = `${shape.groups}x${shape.members}`;
      const trial = await runFanoutTrial(ctx, trialPlan(run, label, fanout.rate, fanout.windowPerGroup * shape.groups));
      progress.log(`${path} ${label}: ${Math.round(trial.deliveryRate).toLocaleString('en-US')} deliveries/s, ${trial.counts.lostDeliveries} lost`);
      phase.classes.push({ path, shape, setupSeconds: groups.setupSeconds, connectSeconds: groups.connectSeconds, trial });
      await groups.disconnect();
    }
    if (fanout.mixed) phase.mixed = await mixedCheck(run, path, fanout, engine, common);
    results[path] = phase;
    await engine?.release();
  }
  return results;
}

/**
 * One-to-one users at a modest rate, measured alone, then again while one big group is being
 * fanned out: how much a big group's fan-out costs everyone else's latency.
 */
async function mixedCheck(
  run: RunContext,
  path: PathName,
  fanout: FanoutConfig,
  engine: EngineHandle | null,
  common: Omit<FanoutTrialContext, 'members'>,
): Promise<MixedCheckResult> {
  const mixed = fanout.mixed!;
  const userIds = Array.from({ length: mixed.users }, (_, i) => `bench-${run.runId}-${path}-d${i}`);
  const direct = await connectDirectUsers(run, path, userIds, engine);
  const topology = Topology.build('pairs', mixed.users, 1, seededRandom(run.config.seed));
  const directCtx = { ...common, driver: direct.driver, sink: direct.sink, topology };
  await warmUp(directCtx, mixed.users, mixed.users);
  const alone = await runTrial(directCtx, trialPlan(run, `${mixed.rate} msg/s alone`, mixed.rate, mixed.users));

  const shape = { groups: 1, members: mixed.members };
  const group = await connectGroups(run, path, `bench-${run.runId}-${path}-mix`, shape, fanout.connectConcurrency, engine);
  const groupCtx: FanoutTrialContext = { ...common, members: group.members };
  await fanoutWarmUp(groupCtx);
  const [loaded, groupTrial] = await Promise.all([
    runTrial(directCtx, trialPlan(run, `${mixed.rate} msg/s beside the group`, mixed.rate, mixed.users)),
    runFanoutTrial(groupCtx, trialPlan(run, `1x${mixed.members} beside one-to-one`, mixed.groupRate, fanout.windowPerGroup)),
  ]);
  await group.disconnect();
  await direct.disconnect();
  return { path, members: mixed.members, connectSeconds: group.connectSeconds, alone, loaded, group: groupTrial };
}
