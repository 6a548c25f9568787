import { ReadCheck } from '../measure/read-check';
import { TrialResult } from '../run/trial';
import { receiptsFigures } from './receipts-figures';

function trial(deliveredRate: number, p50: number, p99: number, lost = 0, offeredRate: number | 'max' = 200): TrialResult {
  return { deliveredRate, offeredRate, latency: { p50, p95: p99, p99, max: p99 }, counts: { lost } } as unknown as TrialResult;
}

const right: ReadCheck = { conversations: 100, positionsWrong: 0, unreadWrong: 0, settleSeconds: 1.2, pendingReads: 0, failedReads: 0, refused: {} };

describe('receiptsFigures', () => {
  it('gives with / without for throughput and latency, and the targets met', () => {
    const f = receiptsFigures(trial(200, 4, 16), trial(190, 5, 20), right);
    expect(f.throughput).toEqual({ without: 200, with: 190, ratio: 0.95 });
    expect(f.p50).toEqual({ without: 4, with: 5, ratio: 1.25 });
    expect(f.p99).toEqual({ without: 16, with: 20, ratio: 1.25 });
    expect(f.lost).toEqual({ without: 0, with: 0 });
    expect(f.targets.map((t) => t.met)).toEqual([true, true, true, true]);
    expect(f.targets[1].target).toBe('p99 with receipts <= 1.5x without');
  });

  it('misses each target on its own bound, and says when the rate is not the target rate', () => {
    const f = receiptsFigures(trial(1000, 4, 20, 0, 1000), trial(690, 5, 31, 3, 1000), { ...right, unreadWrong: 1 });
    expect(f.throughput.ratio).toBeCloseTo(0.69);
    expect(f.targets.map((t) => t.met)).toEqual([false, false, false, false]);
    expect(f.targets[1].target).toBe("p99 with receipts <= 1.5x without (the issue's target is at 200 msg/s; this run is at 1,000 msg/s)");
    expect(receiptsFigures(trial(100, 1, 10), trial(70, 1, 15), right).targets.map((t) => t.met)).toEqual([true, true, true, true]);
  });

  it('leaves a ratio out when a side has no figure', () => {
    const none = { ...trial(0, 0, 0), latency: null } as TrialResult;
    const f = receiptsFigures(none, trial(100, 1, 2), right);
    expect(f.throughput.ratio).toBeNull();
    expect(f.p99).toEqual({ without: null, with: 2, ratio: null });
    expect(f.targets.slice(0, 2).map((t) => t.met)).toEqual([null, null]);
  });
});
