import { ReadCheck, readCheckMismatches } from '../measure/read-check';
import { TrialResult } from '../run/trial';

/** The targets for receipts: throughput with >= 0.7 x without, p99 <= 1.5 x without (at 200 msg/s), nothing lost, every position right. */
export const RECEIPTS_TARGETS = { throughputShare: 0.7, p99Multiple: 1.5, p99AtRate: 200 } as const;

export interface WithAndWithout {
  without: number | null;
  with: number | null;
  /** with / without; null when either is missing or without is 0. */
  ratio: number | null;
}

export interface ReceiptsFigures {
  throughput: WithAndWithout;
  p50: WithAndWithout;
  p99: WithAndWithout;
  /** Lost in the trial with receipts (and without, for comparison). */
  lost: { without: number; with: number };
  /** Each target and whether it was met (null: not measurable in this run). */
  targets: Array<{ target: string; met: boolean | null }>;
}

function pair(without: number | null | undefined, withReceipts: number | null | undefined): WithAndWithout {
  const w = without ?? null;
  const r = withReceipts ?? null;
  return { without: w, with: r, ratio: w !== null && r !== null && w !== 0 ? r / w : null };
}

/** The engine path's trial with receipts against the one without, and the targets. */
export function receiptsFigures(without: TrialResult, withReceipts: TrialResult, check: ReadCheck): ReceiptsFigures {
  const throughput = pair(without.deliveredRate, withReceipts.deliveredRate);
  const p99 = pair(without.latency?.p99, withReceipts.latency?.p99);
  const rate = withReceipts.offeredRate;
  const at = rate === 'max' ? 'closed loop' : `${rate.toLocaleString('en-US')} msg/s`;
  const p99Note = rate === RECEIPTS_TARGETS.p99AtRate ? '' : ` (the issue's target is at ${RECEIPTS_TARGETS.p99AtRate} msg/s; this run is at ${at})`;
  const mismatches = readCheckMismatches(check);
  return {
    throughput,
    p50: pair(without.latency?.p50, withReceipts.latency?.p50),
    p99,
    lost: { without: without.counts.lost, with: withReceipts.counts.lost },
    targets: [
      { target: `throughput with receipts >= ${RECEIPTS_TARGETS.throughputShare} x without`, met: throughput.ratio === null ? null : throughput.ratio >= RECEIPTS_TARGETS.throughputShare },
      { target: `p99 with receipts <= ${RECEIPTS_TARGETS.p99Multiple}x without${p99Note}`, met: p99.ratio === null ? null : p99.ratio <= RECEIPTS_TARGETS.p99Multiple },
      { target: '0 lost with receipts', met: withReceipts.counts.lost === 0 },
      { target: 'every read position and unread count right at the end', met: mismatches === 0 },
    ],
  };
}
