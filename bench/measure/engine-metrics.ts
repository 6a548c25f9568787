import { parseHistograms, quantile, subtract } from './prometheus';

/** The engine's database write timings over a trial, from its `engine_db_write_seconds` histogram. */
export interface DbWriteStats {
  operation: string;
  count: number;
  meanMs: number;
  /** Estimated from the histogram's buckets. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

const HISTOGRAM = 'engine_db_write_seconds';

/** The engine's Prometheus text, or null when it has no /metrics (or did not answer). */
export async function scrapeMetrics(engineUrl: string | undefined): Promise<string | null> {
  if (!engineUrl) return null;
  try {
    const res = await fetch(`${engineUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
    return res.ok ? await res.text() : null;
  } catch {
    return null;
  }
}

/** One series of a histogram over an interval: count, mean and quantiles estimated from the buckets, in `unit`s. */
export interface HistogramStats {
  /** The series' label value ("" when it has none). */
  series: string;
  count: number;
  mean: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** A histogram's series between two scrapes (`before` null: since the engine started), values times `scale`. */
export function histogramsBetween(before: string | null, after: string, name: string, byLabel: string, scale = 1): HistogramStats[] {
  const earlier = before === null ? new Map() : parseHistograms(before, name, byLabel);
  const at = (value: number | null) => (value === null ? null : value * scale);
  return [...parseHistograms(after, name, byLabel).entries()].map(([series, h]) => {
    const d = subtract(h, earlier.get(series));
    return { series, count: d.count, mean: d.count > 0 ? (d.sum / d.count) * scale : 0, p50: at(quantile(d, 0.5)), p95: at(quantile(d, 0.95)), p99: at(quantile(d, 0.99)) };
  });
}

/** Database writes between two scrapes, by operation; null when the engine does not report them. */
export function dbWritesBetween(before: string | null, after: string | null): DbWriteStats[] | null {
  if (before === null || after === null) return null;
  const writes = histogramsBetween(before, after, HISTOGRAM, 'operation', 1000);
  if (writes.length === 0) return null;
  return writes.map((w) => ({ operation: w.series, count: w.count, meanMs: w.mean, p50Ms: w.p50, p95Ms: w.p95, p99Ms: w.p99 }));
}

/**
 * What a (restarted) engine's /metrics says since it started: its batches, database writes, stage
 * and pipeline timings (ms), and how many messages it took for duplicates or redeliveries.
 */
export interface EngineActivity {
  batchSize: HistogramStats[];
  dbWriteMs: HistogramStats[];
  /** `engine_stage_seconds` by stage, when the engine has it. */
  stageMs: HistogramStats[];
  pipelineLatencyMs: HistogramStats[];
  counters: Record<string, number>;
}

const COUNTERS = ['engine_messages_received_total', 'engine_messages_delivered_total', 'engine_messages_duplicate_total', 'engine_messages_redelivered_total'];

export function engineActivity(text: string): EngineActivity {
  const counters: Record<string, number> = {};
  for (const name of COUNTERS) {
    const total = counterTotal(text, name);
    if (total !== null) counters[name] = total;
  }
  return {
    batchSize: histogramsBetween(null, text, 'engine_batch_size', ''),
    dbWriteMs: histogramsBetween(null, text, HISTOGRAM, 'operation', 1000),
    stageMs: histogramsBetween(null, text, 'engine_stage_seconds', 'stage', 1000),
    pipelineLatencyMs: histogramsBetween(null, text, 'engine_pipeline_latency_seconds', '', 1000),
    counters,
  };
}

/** The sum of a counter's series in Prometheus' text format; null when it is absent. */
export function counterTotal(text: string, name: string): number | null {
  let total: number | null = null;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{.*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name) total = (total ?? 0) + Number(m[2]);
  }
  return total;
}
