export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Exact percentiles (nearest rank) of the first `count` values; null when there are none. */
export function percentiles(values: Float64Array, count = values.length): Percentiles | null {
  if (count === 0) return null;
  const sorted = values.slice(0, count).sort();
  const rank = (p: number) => sorted[Math.min(count - 1, Math.max(0, Math.ceil(p * count) - 1))];
  let sum = 0;
  for (let i = 0; i < count; i++) sum += sorted[i];
  return { count, mean: sum / count, p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: sorted[count - 1] };
}

/** Least-squares slope of y over x; null with fewer than two distinct x. */
export function slope(xs: readonly number[], ys: readonly number[]): number | null {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i] / n;
    my += ys[i] / n;
  }
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}
