import { describeLoad } from '../config/args';
import { PathName } from '../config/bench-config';
import { formatDuration } from '../config/units';
import { BenchResult } from '../run/bench';
import { HistoryResult, historyTrials } from '../run/history';
import { SummaryProbeResult } from '../run/summary-probe';
import { Percentiles } from '../measure/stats';
import { FanoutTrialResult } from '../run/fanout-trial';
import { TrialResult } from '../run/trial';
import { SeriesStats } from '../measure/engine-metrics';
import { WINDOW_AFTER_READY_MS } from '../measure/restart-window';
import { RESTART_DELAY_MS } from '../run/targets';
import { CONNECTIONS_FIGURES, connectionsTargets } from './connections-figures';
import { readCheckMismatches } from '../measure/read-check';
import { receiptsFigures } from './receipts-figures';
import { FANOUT_FIGURES, fanoutPairs, fanoutTargets, fanoutTrialsOf, MIXED_FIGURES } from './fanout-figures';
import { Figure, figureTable, FIGURES, representativeTrial, Unit } from './figures';
import { stageTable } from './stage-table';

const num = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const msOrNa = (ms: number | null) => (ms === null ? 'n/a' : `${num(ms)} ms`);

function format(value: number | null | undefined, unit: Unit): string {
  if (value === null || value === undefined) return '-';
  switch (unit) {
    case 'count':
      return num(value);
    case 'rate':
      return num(value, value < 100 ? 1 : 0);
    case 'ms':
      return num(value, value < 10 ? 2 : 1);
    case 'seconds':
      return num(value, 1);
    case 'cost':
      return num(value, 3);
    case 'multiple':
      return `${num(value, 2)}x`;
    case 'percent':
      return num(value, 1);
    case 'mb':
    case 'kb':
      return num(value, 1);
    case 'share':
      return num(value, 2);
    case 'mbPerMin':
      return `${value >= 0 ? '+' : ''}${num(value, 2)}`;
  }
}

/** engine / raw: a share for amounts and rates (0.85), a multiple for times and costs (7.2x). */
function formatRatio<T>(ratio: number | null, f: Figure<T>): string {
  if (ratio === null) return '';
  return f.unit === 'ms' || f.unit === 'seconds' || f.unit === 'cost' || f.unit === 'percent' ? `${num(ratio, 1)}x` : num(ratio, 2);
}

function row(cells: string[]): string {
  return `${cells[0].padEnd(36)}${cells.slice(1).map((c) => c.padStart(12)).join('  ')}`.trimEnd();
}

/** The rows of one figure table: raw broker, engine and engine / raw side by side (or two other trials, named by `columns`). */
export function figureRows<T>(figures: readonly Figure<T>[], raw: T | null, engine: T | null, columns: [string, string, string] = ['raw broker', 'engine', 'engine/raw']): string[] {
  const table = figureTable(figures, raw, engine);
  const lines = [row(['', raw ? columns[0] : '', engine ? columns[1] : '', raw && engine ? columns[2] : ''])];
  for (const f of figures) {
    const cell = table[f.key];
    if (cell.raw === null && cell.engine === null) continue;
    lines.push(row([f.label, raw ? format(cell.raw, f.unit) : '', engine ? format(cell.engine, f.unit) : '', formatRatio(cell.ratio, f)]));
  }
  return lines;
}

function figuresSection(raw: TrialResult | null, engine: TrialResult | null): string[] {
  const lines = figureRows(FIGURES, raw, engine);
  if (engine && engine.dbWrites === null) lines.push(row(['db write time, ms', raw ? '-' : '', 'n/a', '']));
  if (engine) lines.push('', ...stageTable(engine.stages));
  return lines;
}

type AnyTrial = TrialResult | FanoutTrialResult;

/** Every measured trial of the run, of either scenario. */
function allTrials(result: BenchResult): AnyTrial[] {
  const trials: AnyTrial[] = [];
  for (const path of ['raw', 'engine'] as PathName[]) {
    trials.push(...(result.phases[path]?.trials ?? []));
    if (path === 'engine' && result.receipts) trials.push(...result.receipts.phase.trials.map((t) => ({ ...t, label: `${t.label} with receipts` })));
    const fanout = result.fanout?.[path];
    if (fanout) {
      const { groups, direct } = fanoutTrialsOf(fanout);
      trials.push(...groups, ...direct);
    }
  }
  if (result.connections) trials.push(result.connections.alone, result.connections.beside);
  if (result.history) trials.push(...historyTrials(result.history));
  return trials;
}

/** The connections scenario: its figures (engine only), what failed to connect, and the targets. */
function connectionsSection(result: BenchResult): string[] {
  const c = result.connections!;
  const lines = [`${num(c.connections)} connections (engine path):`, ...figureRows(CONNECTIONS_FIGURES, null, c).slice(1)];
  const limit = (v: number | null) => (v === null ? 'unknown' : num(v));
  lines.push(`  limits: open files ${limit(c.limits.generatorOpenFiles)} (load generator), ${limit(c.limits.brokerOpenFiles)} (broker); local ports ${limit(c.limits.ephemeralPorts)}`);
  for (const [reason, count] of Object.entries(c.open.failed)) lines.push(`  failed to connect (${num(count)}): ${reason}`);
  for (const [reason, count] of Object.entries(c.lostReasons)) lines.push(`  dropped after CONNACK (${num(count)}): ${reason}`);
  for (const r of c.watch.refused) lines.push(`  watch refused for ${r.watcher}: ${r.code ?? ''} ${r.reason ?? ''}`);
  if (c.watch.unknown > 0) lines.push(`  the engine did not know ${num(c.watch.unknown)} watched ids`);
  lines.push('', 'one-to-one alone, and beside the held connections:', ...figureRows(FIGURES, c.alone, c.beside, ['alone', 'beside', 'beside/alone']));
  lines.push('', 'targets:', ...connectionsTargets(c).map((t) => `  - ${t}`));
  return lines;
}

function fanoutSection(result: BenchResult): string[] {
  const fanout = result.fanout!;
  const lines: string[] = [];
  for (const pair of fanoutPairs(fanout)) {
    lines.push(`groups ${pair.label} (groups x members):`, ...figureRows(FANOUT_FIGURES, pair.raw, pair.engine), '');
    if (pair.engine) lines.push(...stageTable(pair.engine.trial.stages), '');
  }
  const mixed = result.config.fanout?.mixed;
  const raw = fanout.raw?.mixed ?? null;
  const engine = fanout.engine?.mixed ?? null;
  if (mixed && (raw || engine)) {
    const groupRate = mixed.groupRate === 'max' ? 'as fast as it goes' : `${num(mixed.groupRate)} msg/s`;
    lines.push(`mixed check: ${mixed.users} users at ${num(mixed.rate)} msg/s one-to-one, alone, then beside a ${num(mixed.members)}-member group at ${groupRate}:`);
    lines.push(...figureRows(MIXED_FIGURES, raw, engine), '');
  }
  lines.push('targets:', ...fanoutTargets(fanout).map((t) => `  - ${t}`));
  return lines;
}

const ms = (value: number | null | undefined) => (value === null || value === undefined ? '-' : `${format(value, 'ms')} ms`);

/** The `--kill-engine-at` figures of the engine trial. */
export function restartSection(t: TrialResult): string[] {
  const r = t.restart!;
  const w = r.window;
  const stats = (label: string, list: SeriesStats[], unit: string) =>
    list.filter((h) => h.count > 0).map((h) => `    ${label}${h.series ? ` ${h.series}` : ''}: ${num(h.count)}, mean ${format(h.mean, 'ms')}${unit}, p50 ${format(h.p50, 'ms')}${unit}, p99 ${format(h.p99, 'ms')}${unit}`);
  const lines = [
    `engine killed (SIGKILL) ${format(r.killAtMs / 1000, 'seconds')} s into the trial and restarted ${RESTART_DELAY_MS / 1000} s later${r.storedAtStart === null ? '' : ` (${num(r.storedAtStart)} messages stored when the trial's engine started)`}:`,
    row(['kill -> restarted engine ready', ms(r.killToReadyMs)]),
    row(['ready -> first delivery after it', ms(r.readyToFirstDeliveryMs)]),
    row(['backlog at ready, messages', num(r.backlogAtReady)]),
    row(['ready -> backlog drained', r.readyToDrainedMs === null ? 'never' : ms(r.readyToDrainedMs)]),
    `restart window: messages due from ${format(-w.fromMs / 1000, 'seconds')} s before the kill to ${format(WINDOW_AFTER_READY_MS / 1000, 'seconds')} s after ready (${format((w.toMs - w.fromMs) / 1000, 'seconds')} s)`,
    row(['  messages due in the window', num(w.messages)]),
    row(['  lost', num(w.lost)]),
    row(['  send -> receive p50', ms(w.latency?.p50)]),
    row(['  send -> receive p99', ms(w.latency?.p99)]),
    row(['  send -> receive max', ms(w.latency?.max)]),
    row(['whole trial: lost', num(t.counts.lost)]),
    row(['duplicates (same message_id)', num(t.counts.redeliveredDropped)]),
    row(['stored twice (new message_id)', num(t.counts.duplicated)]),
  ];
  const e = r.restartedEngine;
  if (e) {
    lines.push('  the restarted engine, from its /metrics at the end:');
    lines.push(...Object.entries(e.counters).map(([name, value]) => `    ${name}: ${num(value)}`));
    lines.push(...stats('batches (size)', e.batchSize, ''), ...stats('db write', e.dbWriteMs, ' ms'), ...stats('stage', e.stageMs, ' ms'), ...stats('pipeline latency', e.pipelineLatencyMs, ' ms'));
  }
  if (r.logFile) lines.push(`  restarted engine's log: ${r.logFile}`);
  return lines;
}

/** `--receipts`: the engine path with receipts against without, the targets, and the end check. */
export function receiptsSection(result: BenchResult): string[] {
  const { phase, check } = result.receipts!;
  const without = representativeTrial(result.phases.engine);
  const withReceipts = representativeTrial(phase);
  const delay = result.config.receipts?.readDelayMs ?? 0;
  const lines = [`receipts (engine path; every recipient reports delivered on arrival and read ${delay} ms after; users of their own, the same engine):`];
  if (without && withReceipts) {
    const f = receiptsFigures(without, withReceipts, check);
    const ratio = (r: number | null, multiple: boolean) => (r === null ? '' : multiple ? `${num(r, 2)}x` : num(r, 2));
    lines.push(
      row(['', 'without', 'with', 'with/without']),
      row(['throughput (delivered), msg/s', format(f.throughput.without, 'rate'), format(f.throughput.with, 'rate'), ratio(f.throughput.ratio, false)]),
      row(['send -> receive p50, ms', format(f.p50.without, 'ms'), format(f.p50.with, 'ms'), ratio(f.p50.ratio, true)]),
      row(['send -> receive p99, ms', format(f.p99.without, 'ms'), format(f.p99.with, 'ms'), ratio(f.p99.ratio, true)]),
      row(['lost', num(f.lost.without), num(f.lost.with)]),
    );
    const refused = Object.entries(check.refused).map(([code, n]) => `${code} ${num(n)}`).join(', ') || 'none';
    lines.push(
      `  end check: ${num(check.conversations)} conversations; read positions wrong ${num(check.positionsWrong)}, unread counts wrong ${num(check.unreadWrong)} (${readCheckMismatches(check) === 0 ? 'all right' : 'still wrong'} ${format(check.settleSeconds, 'seconds')} s after the drain)`,
      `  receipts refused by the engine: ${refused}; markRead failed ${num(check.failedReads)}, not yet out at the check ${num(check.pendingReads)}`,
    );
    if (check.example) lines.push(`  e.g. ${check.example}`);
    lines.push('  targets:', ...f.targets.map((t) => `    - ${(t.met === null ? 'n/a' : t.met ? 'met' : 'MISSED').padEnd(7)}${t.target}`));
  } else lines.push('  no trial to compare');
  return lines;
}

function historySection(h: HistoryResult): string[] {
  const ms = (p: Percentiles | null) => (p ? `median ${num(p.p50, 1)} ms, p99 ${num(p.p99, 1)} ms (${p.count} calls)` : 'n/a');
  const hot = (t: TrialResult) =>
    `p50 ${t.latency ? num(t.latency.p50, 1) : 'n/a'} ms, p99 ${t.latency ? num(t.latency.p99, 1) : 'n/a'} ms, ${num(t.counts.delivered)}/${num(t.counts.offered)} delivered, ${num(t.counts.lost)} lost`;
  const probe = (p: SummaryProbeResult | null) =>
    !p ? 'n/a (nothing loaded)' : `${p.lag ? `p50 ${num(p.lag.p50)} ms, p99 ${num(p.lag.p99)} ms, max ${num(p.lag.max)} ms from the send` : 'none seen'}${p.lagAfterDelivery ? `; p50 ${num(p.lagAfterDelivery.p50)} ms, p99 ${num(p.lagAfterDelivery.p99)} ms, max ${num(p.lagAfterDelivery.max)} ms from its arrival` : ''} (${num(p.samples)} samples, ${num(p.timedOut)} not shown within 30 s; one poll of both lists p50 ${p.poll ? num(p.poll.p50) : 'n/a'} ms)`;
  return [
    `stored messages: ${num(h.storedBefore)} before, ${num(h.loaded)} loaded through the pipeline, ${num(h.storedAfter)} after (${num(h.conversations)} conversations)`,
    h.load ? `load rate: ${num(h.load.deliveredRate)} msg/s delivered (${num(h.load.counts.lost)} lost)` : 'load rate: n/a (nothing to load)',
    `summaries seen from outside (one message at a time between two users of the probe's own, until both lists through the API show it):`,
    `  beside the load:                          ${probe(h.probeBesideLoad)}`,
    `  beside ${num(h.atMax.sendSeconds)} s at the highest rate (${num(h.atMax.deliveredRate)} msg/s delivered): ${probe(h.probeAtMax)}`,
    `summaries' lag after a burst: ${h.summariesLagMs === null ? 'not current within the timeout' : `${num(h.summariesLagMs)} ms`} from the last of one message per conversation until both sides' summaries showed it${h.summariesDeliveredMs === null ? '' : ` (the last copy of those messages arrived ${num(h.summariesDeliveredMs)} ms after it)`}${h.summariesLastPollMs === null ? '' : `; the read that saw the last of them took ${num(h.summariesLastPollMs)} ms`}`,
    ...(h.summariesEngineLag && h.summariesEngineLag.count > 0
      ? [`  the engine's own (engine_summary_lag_seconds over the check): change records inserted p50 ${msOrNa(h.summariesEngineLag.p50Ms)}, p99 ${msOrNa(h.summariesEngineLag.p99Ms)} after the first change they hold (${h.summariesEngineLag.count} inserts, from the histogram's buckets)`]
      : []),
    `a conversation's newest page:        ${ms(h.firstPage)}`,
    `a page deep in it (2nd from oldest): ${ms(h.deepPage)}`,
    `a user's conversation list:          ${ms(h.conversationList)}`,
    `hot path alone (${h.hotAlone.label}):  ${hot(h.hotAlone)}`,
    `hot path beside history queries:     ${hot(h.hotBeside)} (${num(h.queriesBeside)} queries meanwhile)`,
  ];
}

function warnings(result: BenchResult): string[] {
  const out: string[] = [];
  const perCore = result.machine.loadBefore[0] / result.machine.cpus;
  if (perCore > 0.5) {
    out.push(`the machine was busy before the run (load ${num(result.machine.loadBefore[0], 2)} on ${result.machine.cpus} CPUs): figures are lower than on an idle machine`);
  }
  for (const t of allTrials(result)) {
    const where = `${t.path} (${t.label})`;
    if (t.drainTimedOut) out.push(`${where}: gave up waiting after ${formatDuration(result.config.drainTimeoutMs)} with copies still owed`);
    const gen = t.processes.generator?.cpuPercent ?? 0;
    if (gen >= 90) out.push(`${where}: the load generator used ${num(gen)}% of a core; it may be the bottleneck, not the system`);
    if (t.counts.stray > 0) out.push(`${where}: ${num(t.counts.stray)} copies from earlier trials or runs arrived (ignored)`);
  }
  if (allTrials(result).some((t) => t.path === 'engine' && t.dbWrites === null && !('restart' in t && t.restart))) {
    out.push('the engine reports no engine_db_write_seconds at /metrics, so database write time is n/a');
  }
  return out;
}

function searchSection(result: BenchResult): string[] {
  const s = result.config.search!;
  const lines = [`highest sustained rate (p99 <= ${s.p99BoundMs} ms, nothing lost, ${formatDuration(s.trialDurationMs)} trials):`];
  const best: Partial<Record<PathName, number>> = {};
  for (const path of ['raw', 'engine'] as PathName[]) {
    const phase = result.phases[path];
    if (!phase?.search) continue;
    best[path] = phase.search.best;
    const steps = phase.search.steps.map((st) => `${num(st.rate)} ${st.passed ? 'ok' : 'fail'}`).join(', ');
    const name = path === 'raw' ? 'raw broker' : 'engine';
    const capped = phase.search.hitMaximum ? ' (the --max-rate; the real ceiling is higher)' : '';
    lines.push(`  ${name.padEnd(11)} ${num(phase.search.best).padStart(8)} msg/s${capped}   trials: ${steps}`);
  }
  if (best.raw && best.engine !== undefined) lines.push(`  engine / raw broker: ${num(best.engine / best.raw, 2)}`);
  for (const path of ['raw', 'engine'] as PathName[]) {
    for (const [i, st] of (result.phases[path]?.search?.steps ?? []).entries()) {
      if (!st.passed) lines.push(`    ${path} trial ${i + 1} at ${num(st.rate)} msg/s failed: ${st.reasons.join(', ')}`);
    }
  }
  return lines;
}

/** The human-readable report (stdout); `files`, lines naming what else was written, come last. */
export function textReport(result: BenchResult, files: string[] = []): string {
  const { machine } = result;
  const lines = [
    `messaging-engine benchmark, ${result.startedAt}`,
    `machine: ${machine.cpus} CPUs, load ${machine.loadBefore.map((l) => num(l, 2)).join(' ')} before, ${num(machine.loadAfter[0] ?? 0, 2)} after; node ${machine.node}`,
    `load: ${describeLoad(result.config)}`,
    '',
  ];
  if (result.history) lines.push(...historySection(result.history));
  else if (result.fanout) lines.push(...fanoutSection(result));
  else if (result.connections) lines.push(...connectionsSection(result));
  else {
    if (result.config.search) {
      lines.push(...searchSection(result), '', 'figures at each path\'s highest sustained rate:');
    }
    const raw = representativeTrial(result.phases.raw);
    const engine = representativeTrial(result.phases.engine);
    if (raw || engine) lines.push(...figuresSection(raw, engine));
    else lines.push('no trial passed: no figures to show');
    if (engine?.restart) lines.push('', ...restartSection(engine));
    if (result.receipts) lines.push('', ...receiptsSection(result));
  }
  const notes = warnings(result);
  if (notes.length) lines.push('', 'notes:', ...notes.map((n) => `  - ${n}`));
  if (result.engineLog) lines.push('', `engine log: ${result.engineLog}`);
  if (files.length) lines.push('', ...files);
  return lines.join('\n') + '\n';
}
