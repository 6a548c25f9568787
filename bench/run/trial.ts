import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PathName } from '../config/bench-config';
import { SinkSwitch } from '../load/delivery-sink';
import { pace, PacerPlan } from '../load/pacer';
import { PathDriver } from '../load/path-driver';
import { clientMessageId, textFor } from '../load/payload';
import { Topology } from '../load/topology';
import { MessageCounts, Tracker } from '../load/tracker';
import { dbWritesBetween, DbWriteStats, scrapeMetrics } from '../measure/engine-metrics';
import { ProcessSampler, ProcessStats } from '../measure/proc-sampler';
import { Percentiles } from '../measure/stats';
import { Progress } from '../report/progress';

export const ROLES = ['engine', 'broker', 'database', 'generator'] as const;
export type ProcessRole = (typeof ROLES)[number];

export interface TrialContext {
  path: PathName;
  driver: PathDriver;
  sink: SinkSwitch;
  topology: Topology;
  payloadBytes: number;
  drainTimeoutMs: number;
  pids: Partial<Record<ProcessRole, number | null>>;
  engineUrl?: string;
  progress: Progress;
}

export interface TrialPlan extends PacerPlan {
  label: string;
}

export interface TrialResult {
  path: PathName;
  label: string;
  offeredRate: number | 'max';
  counts: MessageCounts;
  /** How long the generator was sending (s). */
  sendSeconds: number;
  /** Messages offered per second, as achieved. */
  sendRate: number;
  /** Messages delivered per second, first send to last delivery. */
  deliveredRate: number;
  latency: Percentiles | null;
  confirmLatency: Percentiles | null;
  generatorLag: Percentiles | null;
  /**
   * How long the generator's event loop was blocked (ms). Small while generatorLag is large means
   * the generator was not scheduled (the CPUs were busy), rather than busy itself.
   */
  generatorLoopDelay: { p50: number; p99: number; max: number };
  drainSeconds: number;
  /** The drain gave up with copies still owed. */
  drainTimedOut: boolean;
  processes: Record<ProcessRole, ProcessStats | null>;
  /** null: the engine does not report database writes (or this is the raw path). */
  dbWrites: DbWriteStats[] | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expectedCount(plan: PacerPlan): number {
  if (plan.total !== undefined) return plan.total;
  if (plan.rate !== 'max' && plan.durationMs !== undefined) return Math.ceil((plan.rate * plan.durationMs) / 1000);
  return 100_000;
}

/**
 * One measured run of a path: paces the sends, waits until every copy arrived (or the drain
 * timeout), and collects the counts, latencies, and the processes' CPU and memory meanwhile.
 */
export async function runTrial(ctx: TrialContext, plan: TrialPlan): Promise<TrialResult> {
  // A new tag per trial: copies of earlier trials still in flight are told apart as stray.
  const tag = randomBytes(3).toString('hex');
  const text = textFor(ctx.payloadBytes, tag);
  const tracker = new Tracker(tag, text.length, expectedCount(plan));
  ctx.sink.current = tracker;

  const samplers = new Map<ProcessRole, ProcessSampler>();
  const pids: Partial<Record<ProcessRole, number | null>> = { ...ctx.pids, generator: process.pid };
  for (const role of ROLES) {
    const pid = pids[role];
    if (pid) samplers.set(role, new ProcessSampler(pid));
  }
  const metricsBefore = await scrapeMetrics(ctx.engineUrl);
  for (const s of samplers.values()) s.start();
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();

  const started = performance.now();
  const progress = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    ctx.progress.status(
      `[${ctx.path} ${plan.label}] ${elapsed.toFixed(0)} s  sent ${tracker.offered.toLocaleString('en-US')} ` +
        `(${Math.round(tracker.offered / Math.max(elapsed, 0.001)).toLocaleString('en-US')}/s)  ` +
        `delivered ${tracker.deliveredSoFar.toLocaleString('en-US')}  copies owed ${tracker.outstanding.toLocaleString('en-US')}`,
    );
  }, 1000);

  try {
    const paced = await pace(plan, {
      send: (k, scheduledAt) => {
        const from = ctx.topology.sender(k);
        const to = ctx.topology.recipient(from);
        const seq = tracker.register(from, to, scheduledAt, performance.now());
        ctx.driver.send(from, to, clientMessageId(tag, seq), text);
      },
      inFlight: () => tracker.inFlight,
      now: () => performance.now(),
    });
    const drainStart = performance.now();
    while (tracker.outstanding > 0 && performance.now() - drainStart < ctx.drainTimeoutMs) await sleep(20);
    const drainSeconds = (performance.now() - drainStart) / 1000;

    loopDelay.disable();
    const processes: Record<ProcessRole, ProcessStats | null> = { engine: null, broker: null, database: null, generator: null };
    for (const [role, sampler] of samplers) processes[role] = sampler.stop();
    const metricsAfter = await scrapeMetrics(ctx.engineUrl);

    const s = tracker.summary();
    const sendSeconds = (paced.endedAt - paced.startedAt) / 1000;
    const deliverySeconds = (s.lastDeliveredAt - s.firstScheduledAt) / 1000;
    return {
      path: ctx.path,
      label: plan.label,
      offeredRate: plan.rate,
      counts: s.counts,
      sendSeconds,
      sendRate: sendSeconds > 0 ? s.counts.offered / sendSeconds : 0,
      deliveredRate: deliverySeconds > 0 ? s.counts.delivered / deliverySeconds : 0,
      latency: s.latency,
      confirmLatency: s.confirmLatency,
      generatorLag: s.generatorLag,
      // The histogram is in ns and includes the sampling resolution itself.
      generatorLoopDelay: {
        p50: loopDelay.percentile(50) / 1e6,
        p99: loopDelay.percentile(99) / 1e6,
        max: loopDelay.max / 1e6,
      },
      drainSeconds,
      drainTimedOut: tracker.outstanding > 0,
      processes,
      dbWrites: ctx.path === 'engine' ? dbWritesBetween(metricsBefore, metricsAfter) : null,
    };
  } finally {
    clearInterval(progress);
    loopDelay.disable();
    for (const s of samplers.values()) s.stop();
    ctx.progress.clear();
  }
}
