/** The latencies of the messages scheduled within one time bin. */
export interface TimeBin {
  /** Start of the bin, seconds after the trial's first scheduled send. */
  t: number;
  count: number;
  /** Nearest-rank percentiles of the bin's latencies, ms. */
  p50: number;
  p99: number;
  max: number;
}

/**
 * A trial's latencies over time and their distribution, computed from every message's own sample
 * (small enough to keep in the JSON report and draw the picture from).
 */
export interface LatencyProfile {
  binSeconds: number;
  /** By scheduled send time; bins without a message are left out. */
  timeline: TimeBin[];
  /** Points [latency ms, share of the messages with at most that latency], latency ascending and log-spaced; the last is [max, 1]. */
  cdf: Array<[number, number]>;
}

/** Nearest rank of p in an ascending array. */
function rank(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/**
 * Per-bin p50 / p99 / max of `values[i]`, binned by `times[i]` (seconds from the start), over the
 * first `count` samples. Bins are [k * binSeconds, (k + 1) * binSeconds).
 */
export function timeBins(times: Float64Array, values: Float64Array, count: number, binSeconds: number): TimeBin[] {
  if (count === 0) return [];
  const binOf = (i: number) => Math.max(0, Math.floor(times[i] / binSeconds));
  let bins = 0;
  for (let i = 0; i < count; i++) bins = Math.max(bins, binOf(i) + 1);
  // Counting sort of the samples by bin: one pass to size, one to place.
  const starts = new Int32Array(bins + 1);
  for (let i = 0; i < count; i++) starts[binOf(i) + 1]++;
  for (let b = 0; b < bins; b++) starts[b + 1] += starts[b];
  const grouped = new Float64Array(count);
  const next = starts.slice(0, bins);
  for (let i = 0; i < count; i++) grouped[next[binOf(i)]++] = values[i];
  const out: TimeBin[] = [];
  for (let b = 0; b < bins; b++) {
    const bin = grouped.subarray(starts[b], starts[b + 1]).sort();
    if (bin.length === 0) continue;
    out.push({ t: b * binSeconds, count: bin.length, p50: rank(bin, 0.5), p99: rank(bin, 0.99), max: bin[bin.length - 1] });
  }
  return out;
}

/** First index whose value is > x in an ascending array. */
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The empirical CDF of the first `count` values at `points` latencies spaced evenly on a log scale
 * from the smallest value (at least `floor`) to the largest, which ends at share 1.
 */
export function cdfPoints(values: Float64Array, count: number, points = 120, floor = 0.01): Array<[number, number]> {
  if (count === 0) return [];
  const sorted = values.slice(0, count).sort();
  const lo = Math.max(floor, sorted[0]);
  const hi = Math.max(lo, sorted[count - 1]);
  if (hi === lo) return [[hi, 1]];
  const out: Array<[number, number]> = [];
  const step = Math.log(hi / lo) / (points - 1);
  for (let k = 0; k < points; k++) {
    const x = k === points - 1 ? hi : lo * Math.exp(step * k);
    out.push([x, upperBound(sorted, x) / count]);
  }
  return out;
}

/** The profile of a trial: `times` in seconds from its start, `values` in ms, the first `count` of each. */
export function latencyProfile(times: Float64Array, values: Float64Array, count: number, binSeconds = 1): LatencyProfile | null {
  if (count === 0) return null;
  return { binSeconds, timeline: timeBins(times, values, count, binSeconds), cdf: cdfPoints(values, count) };
}
