import { STAGE_ROWS, StageStats } from '../measure/engine-metrics';

const num = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (v: number | null) => (v === null ? '-' : num(v, v < 10 ? 2 : 1));

function row(cells: string[]): string {
  return `  ${cells[0].padEnd(17)}${cells[1].padEnd(9)}${cells.slice(2).map((c) => c.padStart(10)).join('  ')}`.trimEnd();
}

/**
 * The engine's pipeline stages over a trial as text: one row per stage of STAGE_ROWS (n/a for a
 * stage the engine does not expose), or one n/a line when it exposes none.
 */
export function stageTable(stages: StageStats[] | null): string[] {
  const title = 'engine stages (its /metrics, between the scrapes before and after the trial; p50 / p99 estimated from the buckets):';
  if (stages === null) return [`${title} n/a (no engine_stage_seconds or engine_pipeline_latency_seconds)`];
  const lines = [title, row(['stage', 'per', 'count', 'mean, ms', 'p50, ms', 'p99, ms'])];
  for (const { stage, per } of STAGE_ROWS) {
    const s = stages.find((x) => x.stage === stage);
    lines.push(s ? row([stage, per, num(s.count), ms(s.meanMs), ms(s.p50Ms), ms(s.p99Ms)]) : row([stage, per, 'n/a', '', '', '']));
  }
  return lines;
}
