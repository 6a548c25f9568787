import { BenchConfig, PathName } from '../config/bench-config';
import { ScheduledRestart } from './engine-restart';
import { failures, RateSearch, SearchStep } from './rate-search';
import { runTrial, TrialContext, TrialResult } from './trial';

export interface PhaseResult {
  path: PathName;
  /** Time to connect and subscribe every user (s). */
  connectSeconds: number;
  trials: TrialResult[];
  search?: {
    /** Highest rate that passed (msg/s; 0 if none). */
    best: number;
    hitMaximum: boolean;
    steps: SearchStep[];
  };
}

/** Between the trials of a search: how long nothing may arrive before the next starts, and the most to wait. */
const QUIET_MS = 2000;
const MAX_SETTLE_MS = 120_000;

/**
 * Waits until no copy has arrived for QUIET_MS: a failed trial can leave a backlog in the
 * engine's queue after its drain timeout, and the next trial must not start behind it.
 */
async function settle(ctx: TrialContext): Promise<void> {
  const start = performance.now();
  while (performance.now() - start < MAX_SETTLE_MS) {
    const quietFor = performance.now() - Math.max(ctx.sink.lastEventAt, start);
    if (quietFor >= QUIET_MS) return;
    await new Promise((r) => setTimeout(r, QUIET_MS - quietFor));
  }
  ctx.progress.log(`copies were still arriving after ${MAX_SETTLE_MS / 1000} s; starting the next trial anyway`);
}

/**
 * Before the measured trials, every user sends twice at a modest rate, unmeasured: the first
 * messages of a run otherwise pay for what happens once (the engine's JIT, its policy caches
 * loading each user, the broker creating each route), which is not the steady state measured.
 */
export async function warmUp(ctx: TrialContext, users: number, window: number): Promise<void> {
  await runTrial(ctx, { label: 'warm-up', rate: 200, window, total: 2 * users });
  await settle(ctx);
}

/** Runs one path: a single trial with the configured load, or a rate search. */
export async function runPhase(config: BenchConfig, ctx: TrialContext, connectSeconds: number, restart?: ScheduledRestart): Promise<PhaseResult> {
  const trials: TrialResult[] = [];
  await warmUp(ctx, config.users, config.window);
  if (!config.search) {
    const stop = 'messages' in config.stop ? { total: config.stop.messages } : { durationMs: config.stop.durationMs };
    trials.push(await runTrial(ctx, { label: 'run', rate: config.rate, window: config.window, ...stop }, restart));
    return { path: ctx.path, connectSeconds, trials };
  }

  const search = new RateSearch(config.search);
  for (let rate = search.next(); rate !== null; rate = search.next()) {
    if (trials.length) await settle(ctx);
    const result = await runTrial(ctx, { label: `${rate} msg/s`, rate, window: config.window, durationMs: config.search.trialDurationMs });
    trials.push(result);
    const reasons = failures(result, config.search.p99BoundMs);
    search.record(rate, reasons);
    ctx.progress.log(`${ctx.path} at ${rate} msg/s: ${reasons.length ? `fail (${reasons.join(', ')})` : 'pass'}`);
  }
  return { path: ctx.path, connectSeconds, trials, search: { best: search.best, hitMaximum: search.hitMaximum, steps: search.steps } };
}
