import { cdfPoints, latencyProfile, timeBins } from './latency-profile';

const f64 = (xs: number[]) => Float64Array.from(xs);

describe('timeBins', () => {
  it('groups samples by their send time and takes nearest-rank percentiles per bin', () => {
    // second 0: 1..100 ms (in reverse); second 2: one sample; second 1: none.
    const times = f64([...Array.from({ length: 100 }, (_, i) => i / 100), 2.5]);
    const values = f64([...Array.from({ length: 100 }, (_, i) => 100 - i), 7]);
    expect(timeBins(times, values, 101, 1)).toEqual([
      { t: 0, count: 100, p50: 50, p99: 99, max: 100 },
      { t: 2, count: 1, p50: 7, p99: 7, max: 7 },
    ]);
  });

  it('honours the bin width and only the first `count` samples', () => {
    const times = f64([0.1, 0.6, 1.1, 9]);
    const values = f64([1, 2, 3, 1000]);
    expect(timeBins(times, values, 3, 0.5).map((b) => [b.t, b.count, b.max])).toEqual([
      [0, 1, 1],
      [0.5, 1, 2],
      [1, 1, 3],
    ]);
    expect(timeBins(times, values, 0, 1)).toEqual([]);
  });

  it('puts samples scheduled before the start (negative times) in the first bin', () => {
    expect(timeBins(f64([-0.001, 0.2]), f64([4, 6]), 2, 1)).toEqual([{ t: 0, count: 2, p50: 4, p99: 6, max: 6 }]);
  });
});

describe('cdfPoints', () => {
  it('is log-spaced from the smallest to the largest value, rising to 1', () => {
    const values = f64([1, 10, 100, 1000]);
    const cdf = cdfPoints(values, 4, 4);
    expect(cdf.map(([x]) => x)).toEqual([1, expect.closeTo(10, 9), expect.closeTo(100, 9), 1000]);
    // The first and last points are exactly the extremes.
    expect(cdf[0][1]).toBe(0.25);
    expect(cdf[3][1]).toBe(1);
    for (let k = 1; k < cdf.length; k++) expect(cdf[k][1]).toBeGreaterThanOrEqual(cdf[k - 1][1]);
  });

  it('counts the share at or below each point', () => {
    const values = f64(Array.from({ length: 100 }, (_, i) => i + 1)); // 1..100
    for (const [x, share] of cdfPoints(values, 100, 30)) expect(share).toBeCloseTo(Math.floor(x) / 100, 9);
  });

  it('keeps to a floor for values at or below zero, and handles one distinct value', () => {
    expect(cdfPoints(f64([0, 5]), 2, 3)[0][0]).toBe(0.01);
    expect(cdfPoints(f64([3, 3]), 2)).toEqual([[3, 1]]);
    expect(cdfPoints(f64([]), 0)).toEqual([]);
  });
});

describe('latencyProfile', () => {
  it('is null without samples, else both views', () => {
    expect(latencyProfile(f64([]), f64([]), 0)).toBeNull();
    const p = latencyProfile(f64([0, 1.5]), f64([2, 4]), 2)!;
    expect(p.binSeconds).toBe(1);
    expect(p.timeline).toHaveLength(2);
    expect(p.cdf[p.cdf.length - 1]).toEqual([4, 1]);
  });
});
