import { PathName } from '../config/bench-config';
import { PhaseResult } from '../run/phase';
import { TrialResult } from '../run/trial';

/** `cost`: CPU milliseconds per unit of work (three decimals); `multiple`: a ratio within one path (1.35x); `share`: a fraction (0.85). */
export type Unit = 'count' | 'rate' | 'ms' | 'seconds' | 'cost' | 'multiple' | 'percent' | 'mb' | 'kb' | 'share' | 'mbPerMin';

export interface Figure<T = TrialResult> {
  key: string;
  label: string;
  unit: Unit;
  /** Whether engine / raw means something for this figure. */
  ratio: boolean;
  get: (t: T) => number | null;
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
const dbOp = (t: TrialResult, op: string) => t.dbWrites?.find((d) => d.operation === op) ?? null;

/** The figures of a trial, in report order; JSON and text report use the same keys. */
export const FIGURES: readonly Figure[] = [
  { key: 'offered', label: 'messages offered', unit: 'count', ratio: false, get: (t) => t.counts.offered },
  { key: 'delivered', label: 'messages delivered', unit: 'count', ratio: true, get: (t) => t.counts.delivered },
  { key: 'lost', label: 'lost', unit: 'count', ratio: false, get: (t) => t.counts.lost },
  { key: 'duplicated', label: 'duplicated (seen by the app)', unit: 'count', ratio: false, get: (t) => t.counts.duplicated },
  { key: 'redeliveredDropped', label: 'redelivered, dropped by the SDK', unit: 'count', ratio: false, get: (t) => (t.path === 'engine' ? t.counts.redeliveredDropped : null) },
  { key: 'misrouted', label: 'misrouted', unit: 'count', ratio: false, get: (t) => t.counts.misrouted },
  { key: 'corrupted', label: 'corrupted', unit: 'count', ratio: false, get: (t) => t.counts.corrupted },
  { key: 'rejected', label: 'rejected by the engine', unit: 'count', ratio: false, get: (t) => (t.path === 'engine' ? sum(t.counts.rejected) : null) },
  { key: 'unconfirmed', label: "sender's copy missing", unit: 'count', ratio: false, get: (t) => t.counts.unconfirmed },
  { key: 'disconnects', label: 'connections lost', unit: 'count', ratio: false, get: (t) => t.counts.disconnects },
  { key: 'sendRate', label: 'offered rate achieved, msg/s', unit: 'rate', ratio: true, get: (t) => t.sendRate },
  { key: 'throughput', label: 'throughput (delivered), msg/s', unit: 'rate', ratio: true, get: (t) => t.deliveredRate },
  { key: 'latencyP50', label: 'send -> receive p50, ms', unit: 'ms', ratio: true, get: (t) => t.latency?.p50 ?? null },
  { key: 'latencyP95', label: 'send -> receive p95, ms', unit: 'ms', ratio: true, get: (t) => t.latency?.p95 ?? null },
  { key: 'latencyP99', label: 'send -> receive p99, ms', unit: 'ms', ratio: true, get: (t) => t.latency?.p99 ?? null },
  { key: 'latencyMax', label: 'send -> receive max, ms', unit: 'ms', ratio: true, get: (t) => t.latency?.max ?? null },
  { key: 'confirmP50', label: "send -> sender's copy p50, ms", unit: 'ms', ratio: true, get: (t) => t.confirmLatency?.p50 ?? null },
  { key: 'confirmP99', label: "send -> sender's copy p99, ms", unit: 'ms', ratio: true, get: (t) => t.confirmLatency?.p99 ?? null },
  { key: 'generatorLagP99', label: 'generator behind schedule p99, ms', unit: 'ms', ratio: false, get: (t) => t.generatorLag?.p99 ?? null },
  { key: 'generatorLoopDelayP99', label: 'generator event loop delay p99, ms', unit: 'ms', ratio: false, get: (t) => t.generatorLoopDelay.p99 },
  { key: 'engineCpu', label: 'engine CPU, % of a core', unit: 'percent', ratio: false, get: (t) => t.processes.engine?.cpuPercent ?? null },
  { key: 'enginePeakRss', label: 'engine peak RSS, MB', unit: 'mb', ratio: false, get: (t) => t.processes.engine?.peakRssMb ?? null },
  { key: 'engineRssTrend', label: 'engine RSS trend, MB/min', unit: 'mbPerMin', ratio: false, get: (t) => t.processes.engine?.rssSlopeMbPerMin ?? null },
  { key: 'brokerCpu', label: 'broker CPU, % of a core', unit: 'percent', ratio: true, get: (t) => t.processes.broker?.cpuPercent ?? null },
  { key: 'databaseCpu', label: 'database CPU, % of a core', unit: 'percent', ratio: false, get: (t) => t.processes.database?.cpuPercent ?? null },
  { key: 'postgresCpu', label: "database's PostgreSQL CPU, % of a core", unit: 'percent', ratio: false, get: (t) => t.processes.postgres?.cpuPercent ?? null },
  { key: 'generatorCpu', label: 'load generator CPU, % of a core', unit: 'percent', ratio: true, get: (t) => t.processes.generator?.cpuPercent ?? null },
  { key: 'dbInsertCount', label: 'db writes (insert_messages), count', unit: 'count', ratio: false, get: (t) => dbOp(t, 'insert_messages')?.count ?? null },
  { key: 'dbInsertMean', label: 'db write mean, ms', unit: 'ms', ratio: false, get: (t) => dbOp(t, 'insert_messages')?.meanMs ?? null },
  { key: 'dbInsertP99', label: 'db write p99 (from buckets), ms', unit: 'ms', ratio: false, get: (t) => dbOp(t, 'insert_messages')?.p99Ms ?? null },
];

/** The trial that stands for a phase: its only trial, or in a search the one at the best rate. */
export function representativeTrial(phase: PhaseResult | undefined): TrialResult | null {
  if (!phase) return null;
  if (!phase.search) return phase.trials[0] ?? null;
  const best = phase.search.best;
  return [...phase.trials].reverse().find((t) => t.offeredRate === best) ?? null;
}

export type FigureTable = Record<string, Partial<Record<PathName, number | null>> & { ratio: number | null }>;

/** Every figure for both paths, and engine / raw where that means something. */
export function figureTable<T>(figures: readonly Figure<T>[], raw: T | null, engine: T | null): FigureTable {
  const table: FigureTable = {};
  for (const f of figures) {
    const r = raw ? f.get(raw) : null;
    const e = engine ? f.get(engine) : null;
    table[f.key] = { raw: r, engine: e, ratio: f.ratio && r !== null && e !== null && r !== 0 ? e / r : null };
  }
  return table;
}
