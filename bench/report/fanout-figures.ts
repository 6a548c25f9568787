import { PathName } from '../config/bench-config';
import { FanoutClassResult, FanoutPhaseResult, MixedCheckResult } from '../run/fanout';
import { FanoutTrialResult } from '../run/fanout-trial';
import { ProcessRole } from '../run/measurement';
import { TrialResult } from '../run/trial';
import { Figure, figureTable, FigureTable } from './figures';

/** The measured trials of a fan-out phase: the groups' (classes, then the mixed check's group) and the one-to-one ones. */
export function fanoutTrialsOf(phase: FanoutPhaseResult): { groups: FanoutTrialResult[]; direct: TrialResult[] } {
  const m = phase.mixed;
  return { groups: [...phase.classes.map((c) => c.trial), ...(m ? [m.group] : [])], direct: m ? [m.alone, m.loaded] : [] };
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/** CPU milliseconds of a process per delivery over the trial; null without a sample or a delivery. */
export function cpuMsPerDelivery(t: FanoutTrialResult, role: ProcessRole): number | null {
  const stats = t.processes[role];
  return stats && t.counts.deliveries > 0 ? (stats.cpuSeconds * 1000) / t.counts.deliveries : null;
}

/** The figures of one class of groups, in report order (JSON and text use the same keys). */
export const FANOUT_FIGURES: readonly Figure<FanoutClassResult>[] = [
  { key: 'setupSeconds', label: 'register + create groups, s', unit: 'seconds', ratio: false, get: (c) => (c.path === 'engine' ? c.setupSeconds : null) },
  { key: 'connectSeconds', label: 'connect every member, s', unit: 'seconds', ratio: true, get: (c) => c.connectSeconds },
  { key: 'offered', label: 'messages offered', unit: 'count', ratio: false, get: (c) => c.trial.counts.offered },
  { key: 'complete', label: 'messages at every member', unit: 'count', ratio: true, get: (c) => c.trial.counts.complete },
  { key: 'deliveriesExpected', label: 'deliveries expected', unit: 'count', ratio: false, get: (c) => c.trial.counts.deliveriesExpected },
  { key: 'deliveries', label: 'deliveries', unit: 'count', ratio: true, get: (c) => c.trial.counts.deliveries },
  { key: 'lostDeliveries', label: 'lost deliveries', unit: 'count', ratio: false, get: (c) => c.trial.counts.lostDeliveries },
  { key: 'duplicatedDeliveries', label: 'duplicated deliveries', unit: 'count', ratio: false, get: (c) => c.trial.counts.duplicatedDeliveries },
  { key: 'misrouted', label: 'misrouted', unit: 'count', ratio: false, get: (c) => c.trial.counts.misrouted },
  { key: 'corrupted', label: 'corrupted', unit: 'count', ratio: false, get: (c) => c.trial.counts.corrupted },
  { key: 'rejected', label: 'rejected by the engine', unit: 'count', ratio: false, get: (c) => (c.path === 'engine' ? sum(c.trial.counts.rejected) : null) },
  { key: 'disconnects', label: 'connections lost', unit: 'count', ratio: false, get: (c) => c.trial.counts.disconnects },
  { key: 'sendRate', label: 'offered rate achieved, msg/s', unit: 'rate', ratio: true, get: (c) => c.trial.sendRate },
  { key: 'messageRate', label: 'messages/s (at every member)', unit: 'rate', ratio: true, get: (c) => c.trial.messageRate },
  { key: 'deliveryRate', label: 'deliveries/s', unit: 'rate', ratio: true, get: (c) => c.trial.deliveryRate },
  { key: 'lastP50', label: 'send -> last member p50, ms', unit: 'ms', ratio: true, get: (c) => c.trial.lastReceipt?.p50 ?? null },
  { key: 'lastP95', label: 'send -> last member p95, ms', unit: 'ms', ratio: true, get: (c) => c.trial.lastReceipt?.p95 ?? null },
  { key: 'lastP99', label: 'send -> last member p99, ms', unit: 'ms', ratio: true, get: (c) => c.trial.lastReceipt?.p99 ?? null },
  { key: 'lastMax', label: 'send -> last member max, ms', unit: 'ms', ratio: true, get: (c) => c.trial.lastReceipt?.max ?? null },
  { key: 'firstP50', label: 'send -> first member p50, ms', unit: 'ms', ratio: true, get: (c) => c.trial.firstReceipt?.p50 ?? null },
  { key: 'generatorLagP99', label: 'generator behind schedule p99, ms', unit: 'ms', ratio: false, get: (c) => c.trial.generatorLag?.p99 ?? null },
  { key: 'generatorLoopDelayP99', label: 'generator event loop delay p99, ms', unit: 'ms', ratio: false, get: (c) => c.trial.generatorLoopDelay.p99 },
  { key: 'engineCpu', label: 'engine CPU, % of a core', unit: 'percent', ratio: false, get: (c) => c.trial.processes.engine?.cpuPercent ?? null },
  { key: 'engineCpuPerDelivery', label: 'engine CPU per delivery, ms', unit: 'cost', ratio: false, get: (c) => cpuMsPerDelivery(c.trial, 'engine') },
  { key: 'enginePeakRss', label: 'engine peak RSS, MB', unit: 'mb', ratio: false, get: (c) => c.trial.processes.engine?.peakRssMb ?? null },
  { key: 'brokerCpu', label: 'broker CPU, % of a core', unit: 'percent', ratio: true, get: (c) => c.trial.processes.broker?.cpuPercent ?? null },
  { key: 'brokerCpuPerDelivery', label: 'broker CPU per delivery, ms', unit: 'cost', ratio: true, get: (c) => cpuMsPerDelivery(c.trial, 'broker') },
  { key: 'databaseCpu', label: 'database CPU, % of a core', unit: 'percent', ratio: false, get: (c) => c.trial.processes.database?.cpuPercent ?? null },
  { key: 'generatorCpu', label: 'load generator CPU, % of a core', unit: 'percent', ratio: true, get: (c) => c.trial.processes.generator?.cpuPercent ?? null },
];

/** p99 beside the group / p99 alone: how much the group's fan-out slowed everyone else. */
export function mixedSlowdown(m: MixedCheckResult): number | null {
  const alone = m.alone.latency?.p99;
  const loaded = m.loaded.latency?.p99;
  return alone && loaded !== undefined ? loaded / alone : null;
}

export const MIXED_FIGURES: readonly Figure<MixedCheckResult>[] = [
  { key: 'aloneP50', label: 'one-to-one alone p50, ms', unit: 'ms', ratio: true, get: (m) => m.alone.latency?.p50 ?? null },
  { key: 'aloneP99', label: 'one-to-one alone p99, ms', unit: 'ms', ratio: true, get: (m) => m.alone.latency?.p99 ?? null },
  { key: 'loadedP50', label: 'one-to-one beside the group p50, ms', unit: 'ms', ratio: true, get: (m) => m.loaded.latency?.p50 ?? null },
  { key: 'loadedP99', label: 'one-to-one beside the group p99, ms', unit: 'ms', ratio: true, get: (m) => m.loaded.latency?.p99 ?? null },
  { key: 'slowdown', label: 'p99 beside / p99 alone', unit: 'multiple', ratio: false, get: mixedSlowdown },
  { key: 'directLost', label: 'one-to-one lost (alone + beside)', unit: 'count', ratio: false, get: (m) => m.alone.counts.lost + m.loaded.counts.lost },
  { key: 'groupConnectSeconds', label: 'connect the group, s', unit: 'seconds', ratio: true, get: (m) => m.connectSeconds },
  { key: 'groupDeliveryRate', label: 'group deliveries/s', unit: 'rate', ratio: true, get: (m) => m.group.deliveryRate },
  { key: 'groupLastP99', label: 'group send -> last member p99, ms', unit: 'ms', ratio: true, get: (m) => m.group.lastReceipt?.p99 ?? null },
  { key: 'groupLost', label: 'group lost deliveries', unit: 'count', ratio: false, get: (m) => m.group.counts.lostDeliveries },
];

/** The class results of both paths side by side, by class (the same classes run on both). */
export function fanoutPairs(fanout: Partial<Record<PathName, FanoutPhaseResult>>): Array<{ label: string; raw: FanoutClassResult | null; engine: FanoutClassResult | null }> {
  const shapes = (fanout.raw ?? fanout.engine)?.classes.map((c) => c.shape) ?? [];
  const find = (path: PathName, i: number) => fanout[path]?.classes[i] ?? null;
  return shapes.map((s, i) => ({ label: `${s.groups} x ${s.members.toLocaleString('en-US')}`, raw: find('raw', i), engine: find('engine', i) }));
}

/** Every class's figure table and the mixed check's, for the JSON report. */
export function fanoutTables(fanout: Partial<Record<PathName, FanoutPhaseResult>>): { classes: Record<string, FigureTable>; mixed: FigureTable | null } {
  const classes: Record<string, FigureTable> = {};
  for (const p of fanoutPairs(fanout)) classes[p.label] = figureTable(FANOUT_FIGURES, p.raw, p.engine);
  const raw = fanout.raw?.mixed ?? null;
  const engine = fanout.engine?.mixed ?? null;
  return { classes, mixed: raw || engine ? figureTable(MIXED_FIGURES, raw, engine) : null };
}

const share = (n: number) => n.toFixed(2);

/**
 * The issue's targets, each with what this run measured: nothing lost; the engine's deliveries/s
 * at least half the raw broker's for groups of up to 100 members; one-to-one p99 beside a big
 * group under twice its value alone.
 */
export function fanoutTargets(fanout: Partial<Record<PathName, FanoutPhaseResult>>): string[] {
  const lines: string[] = [];
  for (const path of ['raw', 'engine'] as PathName[]) {
    const phase = fanout[path];
    if (!phase) continue;
    const { groups, direct } = fanoutTrialsOf(phase);
    const lost = groups.reduce((n, t) => n + t.counts.lostDeliveries, 0) + direct.reduce((n, t) => n + t.counts.lost, 0);
    lines.push(`0 lost (${path === 'raw' ? 'raw broker' : 'engine'}): ${lost === 0 ? 'met' : `not met, ${lost.toLocaleString('en-US')} lost`}`);
  }
  for (const p of fanoutPairs(fanout)) {
    if (!p.raw || !p.engine) continue;
    const r = p.raw.trial.deliveryRate;
    const ratio = r > 0 ? p.engine.trial.deliveryRate / r : null;
    const applies = p.raw.shape.members <= 100;
    const verdict = ratio === null ? 'no raw figure' : applies ? (ratio >= 0.5 ? 'met' : 'not met') : 'for information (the target is for groups of up to 100 members)';
    lines.push(`engine deliveries/s >= 0.5 x raw broker's, ${p.label}: ${ratio === null ? '-' : share(ratio)} - ${verdict}`);
  }
  const mixed = fanout.engine?.mixed;
  if (mixed) {
    const slowdown = mixedSlowdown(mixed);
    lines.push(
      `engine one-to-one p99 beside a ${mixed.members.toLocaleString('en-US')}-member group < 2 x alone: ` +
        (slowdown === null ? 'no figure' : `${share(slowdown)}x - ${slowdown < 2 ? 'met' : 'not met'}`),
    );
  }
  return lines;
}

/** Whether any fan-out trial lost or misrouted a copy (the run's exit status says so). */
export function fanoutLost(result: { fanout?: Partial<Record<PathName, FanoutPhaseResult>> }): boolean {
  return Object.values(result.fanout ?? {}).some((phase) => {
    const { groups, direct } = fanoutTrialsOf(phase);
    return groups.some((t) => t.counts.lostDeliveries > 0 || t.counts.misrouted > 0) || direct.some((t) => t.counts.lost > 0 || t.counts.misrouted > 0);
  });
}
