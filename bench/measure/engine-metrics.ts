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

/** Database writes between two scrapes, by operation; null when the engine does not report them. */
export function dbWritesBetween(before: string | null, after: string | null): DbWriteStats[] | null {
  if (before === null || after === null) return null;
  const earlier = parseHistograms(before, HISTOGRAM, 'operation');
  const later = parseHistograms(after, HISTOGRAM, 'operation');
  if (later.size === 0) return null;
  const ms = (seconds: number | null) => (seconds === null ? null : seconds * 1000);
  return [...later.entries()].map(([operation, h]) => {
    const d = subtract(h, earlier.get(operation));
    return {
      operation,
      count: d.count,
      meanMs: d.count > 0 ? (d.sum / d.count) * 1000 : 0,
      p50Ms: ms(quantile(d, 0.5)),
      p95Ms: ms(quantile(d, 0.95)),
      p99Ms: ms(quantile(d, 0.99)),
    };
  });
}
