import { PathName } from '../config/bench-config';
import { pace, PacerPlan, PacerResult } from '../load/pacer';
import { Progress } from '../report/progress';
import { Measured, ProcessRole, startMeasurement } from './measurement';

/** What a paced run needs of its load: how to send message k, and what is still owed. */
export interface PacedLoad {
  send(k: number, scheduledAt: number): void;
  /** Messages sent and not yet fully delivered (the closed loop's window). */
  inFlight(): number;
  /** Copies still owed (the drain waits for none). */
  outstanding(): number;
  /** The progress line, once a second. */
  status(elapsedSeconds: number): string;
  /** Called as the sending starts (its performance.now() time). */
  started?(at: number): void;
  /** Keep sending at least until then (see PacerHooks.minEndAt). */
  minEndAt?(): number;
}

export interface PacedRunContext {
  path: PathName;
  drainTimeoutMs: number;
  pids: Partial<Record<ProcessRole, number | null>>;
  engineUrl?: string;
  progress: Progress;
}

export interface PacedRun {
  paced: PacerResult;
  drainSeconds: number;
  /** The drain gave up with copies still owed. */
  drainTimedOut: boolean;
  measured: Measured;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The skeleton of every measured trial: paces the sends, waits until every copy arrived (or the
 * drain timeout), and measures the processes meanwhile; the load keeps its own counts.
 */
export async function runPaced(ctx: PacedRunContext, plan: PacerPlan & { label: string }, load: PacedLoad): Promise<PacedRun> {
  const measurement = await startMeasurement(ctx.pids, ctx.path === 'engine' ? ctx.engineUrl : undefined);
  const started = performance.now();
  const progress = setInterval(() => ctx.progress.status(`[${ctx.path} ${plan.label}] ${load.status((performance.now() - started) / 1000)}`), 1000);
  try {
    load.started?.(performance.now());
    const paced = await pace(plan, { send: (k, at) => load.send(k, at), inFlight: () => load.inFlight(), now: () => performance.now(), minEndAt: load.minEndAt && (() => load.minEndAt!()) });
    const drainStart = performance.now();
    while (load.outstanding() > 0 && performance.now() - drainStart < ctx.drainTimeoutMs) await sleep(20);
    const drainSeconds = (performance.now() - drainStart) / 1000;
    const measured = await measurement.stop();
    return { paced, drainSeconds, drainTimedOut: load.outstanding() > 0, measured };
  } finally {
    clearInterval(progress);
    measurement.abandon();
    ctx.progress.clear();
  }
}

/** The part of a progress line every path shows: elapsed, sent and its rate. */
export function sentStatus(elapsedSeconds: number, sent: number): string {
  return `${elapsedSeconds.toFixed(0)} s  sent ${sent.toLocaleString('en-US')} (${Math.round(sent / Math.max(elapsedSeconds, 0.001)).toLocaleString('en-US')}/s)`;
}
