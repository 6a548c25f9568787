import { SearchConfig } from '../config/bench-config';
import { TrialResult } from './trial';

export interface SearchStep {
  rate: number;
  passed: boolean;
  /** Why the trial failed (empty when it passed). */
  reasons: string[];
}

/** A generator that offered less than this share of the asked rate did not test that rate. */
const MIN_OFFERED_SHARE = 0.95;

/** Why a trial does not count as sustaining its rate; empty when it does. */
export function failures(result: TrialResult, p99BoundMs: number): string[] {
  const c = result.counts;
  const reasons: string[] = [];
  if (c.lost > 0) reasons.push(`${c.lost} lost`);
  if (c.misrouted > 0) reasons.push(`${c.misrouted} misrouted`);
  const rejected = Object.values(c.rejected).reduce((a, b) => a + b, 0);
  if (rejected > 0) reasons.push(`${rejected} rejected by the engine`);
  if (c.unconfirmed > 0) reasons.push(`${c.unconfirmed} without the sender's copy`);
  if (!result.latency) reasons.push('nothing delivered');
  else if (result.latency.p99 > p99BoundMs) reasons.push(`p99 ${result.latency.p99.toFixed(1)} ms > ${p99BoundMs} ms`);
  if (result.offeredRate !== 'max' && result.sendRate < MIN_OFFERED_SHARE * result.offeredRate) {
    reasons.push(`the generator offered only ${Math.round(result.sendRate)} msg/s`);
  }
  return reasons;
}

/**
 * Finds the highest rate that passes: doubles from the start rate until a trial fails (or the
 * maximum is reached), then bisects between the highest pass and the lowest fail until they are
 * within `precision` of each other. Rates are multiples of `granularity`.
 */
export class RateSearch {
  readonly steps: SearchStep[] = [];
  private highestPass = 0;
  private lowestFail: number | null = null;

  constructor(private readonly config: SearchConfig) {}

  /** The highest rate that passed (0 if none did). */
  get best(): number {
    return this.highestPass;
  }

  /** True when the search stopped at --max-rate without finding a failing rate. */
  get hitMaximum(): boolean {
    return this.lowestFail === null && this.highestPass >= this.config.maxRate;
  }

  /** The next rate to try, or null when the search is over. */
  next(): number | null {
    const { startRate, maxRate, precision, granularity, maxTrials } = this.config;
    if (this.steps.length >= maxTrials) return null;
    const round = (r: number) => Math.max(granularity, Math.round(r / granularity) * granularity);
    if (this.steps.length === 0) return round(Math.min(startRate, maxRate));
    const lo = this.highestPass;
    const hi = this.lowestFail;
    if (hi === null) return lo >= maxRate ? null : round(Math.min(maxRate, lo * 2));
    if (hi - lo <= Math.max(granularity, precision * hi)) return null;
    const mid = round((lo + hi) / 2);
    return mid > lo && mid < hi ? mid : null;
  }

  record(rate: number, reasons: string[]): void {
    const passed = reasons.length === 0;
    this.steps.push({ rate, passed, reasons });
    if (passed) this.highestPass = Math.max(this.highestPass, rate);
    else this.lowestFail = this.lowestFail === null ? rate : Math.min(this.lowestFail, rate);
  }
}
