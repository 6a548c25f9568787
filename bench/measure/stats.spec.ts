import { percentiles, slope } from './stats';

describe('percentiles', () => {
  it('uses the nearest rank over unsorted values', () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
    expect(percentiles(values)).toEqual({ count: 100, mean: 50.5, p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it('only looks at the first `count` values and leaves the input alone', () => {
    const values = Float64Array.from([3, 1, 2, 1000]);
    expect(percentiles(values, 3)).toMatchObject({ count: 3, p50: 2, max: 3 });
    expect([...values]).toEqual([3, 1, 2, 1000]);
  });

  it('gives the single value for every percentile of one sample, and null for none', () => {
    expect(percentiles(Float64Array.from([7]))).toMatchObject({ p50: 7, p99: 7, max: 7 });
    expect(percentiles(new Float64Array(0))).toBeNull();
  });
});

describe('slope', () => {
  it('fits a line', () => {
    expect(slope([0, 1, 2, 3], [10, 12, 14, 16])).toBeCloseTo(2);
    expect(slope([0, 1, 2], [5, 5, 5])).toBe(0);
  });

  it('is null without two distinct x', () => {
    expect(slope([1], [1])).toBeNull();
    expect(slope([2, 2], [1, 3])).toBeNull();
  });
});
