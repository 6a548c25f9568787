import { randomBytes } from 'node:crypto';
import { PathName } from '../config/bench-config';
import { SinkSwitch } from '../load/delivery-sink';
import { PacerPlan } from '../load/pacer';
import { PathDriver } from '../load/path-driver';
import { clientMessageId, textFor } from '../load/payload';
import { Topology } from '../load/topology';
import { MessageCounts, Tracker } from '../load/tracker';
import { LatencyProfile } from '../measure/latency-profile';
import { Percentiles } from '../measure/stats';
import { RestartResult, ScheduledRestart } from './engine-restart';
import { Measured } from './measurement';
import { PacedRunContext, runPaced, sentStatus } from './paced-run';

export interface TrialContext extends PacedRunContext {
  driver: PathDriver;
  sink: SinkSwitch;
  topology: Topology;
  payloadBytes: number;
}

export interface TrialPlan extends PacerPlan {
  label: string;
}

export interface TrialResult extends Measured {
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
  /** Send -> receive over time and as a distribution (the picture's data). */
  latencyProfile: LatencyProfile | null;
  confirmLatency: Percentiles | null;
  generatorLag: Percentiles | null;
  drainSeconds: number;
  /** The drain gave up with copies still owed. */
  drainTimedOut: boolean;
  /** `--kill-engine-at`: the restart's figures. */
  restart?: RestartResult;
}

/** How many messages a plan will send, to size the trackers (a guess for a closed loop of a duration). */
export function expectedCount(plan: PacerPlan): number {
  if (plan.total !== undefined) return plan.total;
  if (plan.rate !== 'max' && plan.durationMs !== undefined) return Math.ceil((plan.rate * plan.durationMs) / 1000);
  return 100_000;
}

/**
 * One measured run of a path: paces the sends, waits until every copy arrived (or the drain
 * timeout), and collects the counts, latencies, and the processes' CPU and memory meanwhile.
 */
/** One measured trial; with `restart`, the engine is killed and restarted during it (`--kill-engine-at`). */
export async function runTrial(ctx: TrialContext, plan: TrialPlan, restart?: ScheduledRestart): Promise<TrialResult> {
  // A new tag per trial: copies of earlier trials still in flight are told apart as stray.
  const tag = randomBytes(3).toString('hex');
  const text = textFor(ctx.payloadBytes, tag);
  const tracker = new Tracker(tag, text.length, expectedCount(plan));
  ctx.sink.current = tracker;

  const { paced, drainSeconds, drainTimedOut, measured } = await runPaced(ctx, plan, {
    send: (k, scheduledAt) => {
      const from = ctx.topology.sender(k);
      const to = ctx.topology.recipient(from);
      const seq = tracker.register(from, to, scheduledAt, performance.now());
      ctx.driver.send(from, to, clientMessageId(tag, seq), text);
    },
    inFlight: () => tracker.inFlight,
    outstanding: () => tracker.outstanding,
    status: (elapsed) =>
      `${sentStatus(elapsed, tracker.offered)}  delivered ${tracker.deliveredSoFar.toLocaleString('en-US')}  copies owed ${tracker.outstanding.toLocaleString('en-US')}`,
    ...(restart && { started: (at: number) => restart.arm(at), minEndAt: () => restart.minEndAt() }),
  });

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
    latencyProfile: s.latencyProfile,
    confirmLatency: s.confirmLatency,
    generatorLag: s.generatorLag,
    generatorLoopDelay: measured.generatorLoopDelay,
    drainSeconds,
    drainTimedOut,
    processes: measured.processes,
    dbWrites: measured.dbWrites,
    stages: measured.stages,
    ...(restart && { restart: await restart.result(tracker.timeline()) }),
  };
}
