import { parseHistograms, quantile, subtract } from './prometheus';

/** What one series of an engine histogram of seconds recorded between two scrapes. */
export interface HistogramStats {
  count: number;
  meanMs: number;
  /** Estimated from the histogram's buckets. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

/** The engine's database write timings over a trial, from its `engine_db_write_seconds` histogram. */
export interface DbWriteStats extends HistogramStats {
  operation: string;
}

/** One stage of the engine's pipeline over a trial (`stage`: a value of `engine_stage_seconds`' label, or `pipeline`). */
export interface StageStats extends HistogramStats {
  stage: string;
  /** What one observation is: a message or a batch. */
  per: 'message' | 'batch';
}

const DB_WRITES = 'engine_db_write_seconds';
const STAGES = 'engine_stage_seconds';
const PIPELINE = 'engine_pipeline_latency_seconds';

/** The stages the report shows, in pipeline order; `pipeline` is the whole of it (received -> acked). */
export const STAGE_ROWS: ReadonlyArray<{ stage: string; per: StageStats['per']; metric: string }> = [
  { stage: 'policy', per: 'message', metric: STAGES },
  { stage: 'batch_wait', per: 'message', metric: STAGES },
  { stage: 'insert', per: 'batch', metric: STAGES },
  { stage: 'publish_confirm', per: 'batch', metric: STAGES },
  { stage: 'pipeline', per: 'message', metric: PIPELINE },
];

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

/**
 * Each series of a histogram of seconds (keyed by `byLabel`'s value, "" without it) between two
 * scrapes: count, mean, and p50 / p95 / p99 from its buckets, in ms. Null when a scrape is
 * missing or the later one has no such histogram.
 */
export function histogramsBetween(before: string | null, after: string | null, name: string, byLabel: string): Map<string, HistogramStats> | null {
  if (before === null || after === null) return null;
  const earlier = parseHistograms(before, name, byLabel);
  const later = parseHistograms(after, name, byLabel);
  if (later.size === 0) return null;
  const ms = (seconds: number | null) => (seconds === null ? null : seconds * 1000);
  const out = new Map<string, HistogramStats>();
  for (const [key, h] of later) {
    const d = subtract(h, earlier.get(key));
    out.set(key, {
      count: d.count,
      meanMs: d.count > 0 ? (d.sum / d.count) * 1000 : 0,
      p50Ms: ms(quantile(d, 0.5)),
      p95Ms: ms(quantile(d, 0.95)),
      p99Ms: ms(quantile(d, 0.99)),
    });
  }
  return out;
}

/** Database writes between two scrapes, by operation; null when the engine does not report them. */
export function dbWritesBetween(before: string | null, after: string | null): DbWriteStats[] | null {
  const byOperation = histogramsBetween(before, after, DB_WRITES, 'operation');
  return byOperation && [...byOperation].map(([operation, stats]) => ({ operation, ...stats }));
}

/**
 * The pipeline's stages between two scrapes, in STAGE_ROWS' order, each present only when the
 * engine exposes it; null when it exposes none (an engine without the stage histograms, or no
 * /metrics).
 */
export function stagesBetween(before: string | null, after: string | null): StageStats[] | null {
  const stages = histogramsBetween(before, after, STAGES, 'stage');
  const pipeline = histogramsBetween(before, after, PIPELINE, 'stage');
  const out: StageStats[] = [];
  for (const row of STAGE_ROWS) {
    const stats = row.metric === PIPELINE ? pipeline?.get('') : stages?.get(row.stage);
    if (stats) out.push({ stage: row.stage, per: row.per, ...stats });
  }
  return out.length ? out : null;
}

/** One series of a histogram since the engine started: count, mean and quantiles from the buckets, in `scale` units. */
export interface SeriesStats {
  /** The series' label value ("" when it has none). */
  series: string;
  count: number;
  mean: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

function seriesSince(text: string, name: string, byLabel: string, scale: number): SeriesStats[] {
  const at = (value: number | null) => (value === null ? null : value * scale);
  return [...parseHistograms(text, name, byLabel).entries()].map(([series, h]) => {
    const d = subtract(h, undefined);
    return { series, count: d.count, mean: d.count > 0 ? (d.sum / d.count) * scale : 0, p50: at(quantile(d, 0.5)), p95: at(quantile(d, 0.95)), p99: at(quantile(d, 0.99)) };
  });
}

/**
 * What a (restarted) engine's /metrics says since it started: its batches, database writes, stage
 * and pipeline timings (ms), and how many messages it took for duplicates or redeliveries.
 */
export interface EngineActivity {
  batchSize: SeriesStats[];
  dbWriteMs: SeriesStats[];
  /** `engine_stage_seconds` by stage, when the engine has it. */
  stageMs: SeriesStats[];
  pipelineLatencyMs: SeriesStats[];
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
    batchSize: seriesSince(text, 'engine_batch_size', '', 1),
    dbWriteMs: seriesSince(text, DB_WRITES, 'operation', 1000),
    stageMs: seriesSince(text, STAGES, 'stage', 1000),
    pipelineLatencyMs: seriesSince(text, PIPELINE, '', 1000),
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
