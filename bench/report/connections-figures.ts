import { kbPerConnection, MemoryRole } from '../measure/memory';
import { ConnectionsResult } from '../run/connections';
import { Figure, figureTable, FigureTable } from './figures';

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/** The targets on this machine (issue 16). */
export const CONNECTIONS_TARGETS = {
  /** Every connected user seen online within this long of the last CONNACK, ms. */
  allOnlineMs: 5000,
  /** A clean disconnect seen offline by a watcher within this long at p99, ms. */
  offlineP99Ms: 100,
  /** The one-to-one p99 beside the idle connections at most this multiple of its value alone. */
  slowdown: 1.5,
} as const;

/** One-to-one p99 beside the held connections / p99 alone. */
export function besideSlowdown(c: ConnectionsResult): number | null {
  const alone = c.alone.latency?.p99;
  const beside = c.beside.latency?.p99;
  return alone && beside !== undefined ? beside / alone : null;
}

/** KB of `role`'s RSS per held connection: from before they opened to the end of the hold. */
export function memoryPerConnection(c: ConnectionsResult, role: MemoryRole): number | null {
  return kbPerConnection(c.memory.before[role], c.memory.held[role], c.open.connected);
}

/** Share of what the connections added that was given back after they closed (1: all of it); null without a growth. */
export function memoryReleased(c: ConnectionsResult, role: MemoryRole): number | null {
  const { before, held, after } = { before: c.memory.before[role], held: c.memory.held[role], after: c.memory.after[role] };
  if (before === null || held === null || after === null || held - before <= 0) return null;
  return (held - after) / (held - before);
}

const memoryFigures = (role: MemoryRole, name: string): Figure<ConnectionsResult>[] => [
  { key: `${role}RssBefore`, label: `${name} RSS before, MB`, unit: 'mb', ratio: false, get: (c) => c.memory.before[role] },
  { key: `${role}RssHeld`, label: `${name} RSS held, MB`, unit: 'mb', ratio: false, get: (c) => c.memory.held[role] },
  { key: `${role}RssAfter`, label: `${name} RSS after, MB`, unit: 'mb', ratio: false, get: (c) => c.memory.after[role] },
  { key: `${role}KbPerConnection`, label: `${name} KB per connection`, unit: 'kb', ratio: false, get: (c) => memoryPerConnection(c, role) },
  { key: `${role}MemoryReleased`, label: `${name} share given back after`, unit: 'share', ratio: false, get: (c) => memoryReleased(c, role) },
];

/** The scenario's figures, in report order (JSON and text use the same keys). */
export const CONNECTIONS_FIGURES: readonly Figure<ConnectionsResult>[] = [
  { key: 'connections', label: 'connections asked for', unit: 'count', ratio: false, get: (c) => c.connections },
  { key: 'registerSeconds', label: 'register users + watchers, s', unit: 'seconds', ratio: false, get: (c) => c.registerSeconds },
  { key: 'watchers', label: 'presence watchers', unit: 'count', ratio: false, get: (c) => c.watchers },
  { key: 'snapshotSeconds', label: 'watch -> every state seen, s', unit: 'seconds', ratio: false, get: (c) => c.snapshotSeconds },
  { key: 'connected', label: 'connected', unit: 'count', ratio: false, get: (c) => c.open.connected },
  { key: 'connectFailed', label: 'connections refused or failed', unit: 'count', ratio: false, get: (c) => sum(c.open.failed) },
  { key: 'openSeconds', label: 'open all, s', unit: 'seconds', ratio: false, get: (c) => c.open.seconds },
  { key: 'openRate', label: 'connections/s achieved', unit: 'rate', ratio: false, get: (c) => c.open.achievedRate },
  { key: 'connackP50', label: 'connect -> CONNACK p50, ms', unit: 'ms', ratio: false, get: (c) => c.open.connack?.p50 ?? null },
  { key: 'connackP99', label: 'connect -> CONNACK p99, ms', unit: 'ms', ratio: false, get: (c) => c.open.connack?.p99 ?? null },
  { key: 'connackMax', label: 'connect -> CONNACK max, ms', unit: 'ms', ratio: false, get: (c) => c.open.connack?.max ?? null },
  { key: 'readyP99', label: 'connect -> subscribed p99, ms', unit: 'ms', ratio: false, get: (c) => c.open.ready?.p99 ?? null },
  { key: 'openLagP99', label: 'opening behind schedule p99, ms', unit: 'ms', ratio: false, get: (c) => c.open.scheduleLag?.p99 ?? null },
  { key: 'peakPending', label: 'most attempts pending at once', unit: 'count', ratio: false, get: (c) => c.open.peakPending },
  { key: 'brokerCpuOpening', label: 'broker CPU opening, % of a core', unit: 'percent', ratio: false, get: (c) => c.openProcesses.broker?.cpuPercent ?? null },
  { key: 'engineCpuOpening', label: 'engine CPU opening, % of a core', unit: 'percent', ratio: false, get: (c) => c.openProcesses.engine?.cpuPercent ?? null },
  { key: 'generatorCpuOpening', label: 'generator CPU opening, % of a core', unit: 'percent', ratio: false, get: (c) => c.openProcesses.generator?.cpuPercent ?? null },
  { key: 'heldSeconds', label: 'held, s', unit: 'seconds', ratio: false, get: (c) => c.heldSeconds },
  { key: 'lostWhileHeld', label: 'connections dropped after CONNACK', unit: 'count', ratio: false, get: (c) => c.lostWhileHeld },
  { key: 'brokerCpuHeld', label: 'broker CPU held, % of a core', unit: 'percent', ratio: false, get: (c) => c.heldProcesses.broker?.cpuPercent ?? null },
  { key: 'engineCpuHeld', label: 'engine CPU held, % of a core', unit: 'percent', ratio: false, get: (c) => c.heldProcesses.engine?.cpuPercent ?? null },
  { key: 'closed', label: 'closed cleanly', unit: 'count', ratio: false, get: (c) => c.close.closed },
  { key: 'closeSeconds', label: 'close all, s', unit: 'seconds', ratio: false, get: (c) => c.close.seconds },
  { key: 'seenOnline', label: 'presence: seen online', unit: 'count', ratio: false, get: (c) => c.presence?.counts.seenOnline ?? null },
  { key: 'onlineWithoutConnack', label: 'presence: online, no CONNACK here', unit: 'count', ratio: false, get: (c) => c.presence?.counts.onlineWithoutConnack ?? null },
  { key: 'seenOffline', label: 'presence: seen offline after', unit: 'count', ratio: false, get: (c) => c.presence?.counts.seenOffline ?? null },
  { key: 'neverOnline', label: 'presence: never seen online', unit: 'count', ratio: false, get: (c) => c.presence?.counts.neverOnline ?? null },
  { key: 'neverOffline', label: 'presence: never seen offline', unit: 'count', ratio: false, get: (c) => c.presence?.counts.neverOffline ?? null },
  { key: 'flapping', label: 'presence: flapping', unit: 'count', ratio: false, get: (c) => c.presence?.counts.flapping ?? null },
  { key: 'presenceErrors', label: 'presence errors (users)', unit: 'count', ratio: false, get: (c) => c.presence?.counts.errors ?? null },
  { key: 'allOnlineMs', label: 'last CONNACK -> all seen online, ms', unit: 'ms', ratio: false, get: (c) => c.presence?.allOnlineAfterLastConnackMs ?? null },
  { key: 'onlineP50', label: 'CONNACK -> seen online p50, ms', unit: 'ms', ratio: false, get: (c) => c.presence?.onlineLatency?.p50 ?? null },
  { key: 'onlineP99', label: 'CONNACK -> seen online p99, ms', unit: 'ms', ratio: false, get: (c) => c.presence?.onlineLatency?.p99 ?? null },
  { key: 'onlineMax', label: 'CONNACK -> seen online max, ms', unit: 'ms', ratio: false, get: (c) => c.presence?.onlineLatency?.max ?? null },
  { key: 'allOfflineMs', label: 'last close -> all seen offline, ms', unit: 'ms', ratio: false, get: (c) => c.presence?.allOfflineAfterLastCloseMs ?? null },
  { key: 'offlineP50', label: 'disconnect -> seen offline p50, ms', unit: 'ms', ratio: false, get: (c) => c.presence?.offlineLatency?.p50 ?? null },
  { key: 'offlineP99', label: 'disconnect -> seen offline p99, ms', unit: 'ms', ratio: false, get: (c) => c.presence?.offlineLatency?.p99 ?? null },
  { key: 'offlineMax', label: 'disconnect -> seen offline max, ms', unit: 'ms', ratio: false, get: (c) => c.presence?.offlineLatency?.max ?? null },
  ...memoryFigures('broker', 'broker'),
  ...memoryFigures('engine', 'engine'),
  ...memoryFigures('generator', 'generator'),
  { key: 'aloneP50', label: 'one-to-one alone p50, ms', unit: 'ms', ratio: false, get: (c) => c.alone.latency?.p50 ?? null },
  { key: 'aloneP99', label: 'one-to-one alone p99, ms', unit: 'ms', ratio: false, get: (c) => c.alone.latency?.p99 ?? null },
  { key: 'besideP50', label: 'one-to-one beside them p50, ms', unit: 'ms', ratio: false, get: (c) => c.beside.latency?.p50 ?? null },
  { key: 'besideP99', label: 'one-to-one beside them p99, ms', unit: 'ms', ratio: false, get: (c) => c.beside.latency?.p99 ?? null },
  { key: 'slowdown', label: 'p99 beside / p99 alone', unit: 'multiple', ratio: false, get: besideSlowdown },
  { key: 'directLost', label: 'one-to-one lost, alone + beside', unit: 'count', ratio: false, get: (c) => c.alone.counts.lost + c.beside.counts.lost },
];

/** The figure table for the JSON report (engine only: raw is null throughout). */
export function connectionsTable(c: ConnectionsResult): FigureTable {
  return figureTable(CONNECTIONS_FIGURES, null, c);
}

const n = (x: number) => x.toLocaleString('en-US');
const verdict = (ok: boolean) => (ok ? 'met' : 'not met');

/** The targets, each with what this run measured. */
export function connectionsTargets(c: ConnectionsResult): string[] {
  const p = c.presence;
  const held = `${n(c.open.connected)} connected, ${n(c.lostWhileHeld)} dropped`;
  const allHeld = c.open.connected === c.connections && c.lostWhileHeld === 0;
  const slowdown = besideSlowdown(c);
  const oneToOne =
    `one-to-one p99 with ${n(c.open.connected)} idle connections within ${CONNECTIONS_TARGETS.slowdown}x of without: ` +
    (slowdown === null ? 'no figure' : `${slowdown.toFixed(2)}x - ${verdict(slowdown <= CONNECTIONS_TARGETS.slowdown)}`);
  if (!p) return [`${n(c.connections)} held: ${held} - ${verdict(allHeld)}; presence not measured (the engine answered no watch list)`, oneToOne];
  const lines = [`${n(c.connections)} held with 0 presence errors: ${held}, ${n(p.counts.errors)} presence errors - ${verdict(allHeld && p.counts.errors === 0)}`];
  const online = p.allOnlineAfterLastConnackMs;
  lines.push(
    `all online within ${CONNECTIONS_TARGETS.allOnlineMs / 1000} s of the last CONNACK: ` +
      (online === null ? `not met, ${n(p.counts.neverOnline)} never seen online` : `${(online / 1000).toFixed(2)} s - ${verdict(online <= CONNECTIONS_TARGETS.allOnlineMs)}`),
  );
  const offline = p.offlineLatency?.p99 ?? null;
  lines.push(
    `a clean disconnect seen by a watcher within ${CONNECTIONS_TARGETS.offlineP99Ms} ms p99: ` +
      (offline === null ? 'no figure' : `${offline.toFixed(1)} ms - ${verdict(offline <= CONNECTIONS_TARGETS.offlineP99Ms && p.counts.neverOffline === 0)}`) +
      (p.counts.neverOffline > 0 ? ` (${n(p.counts.neverOffline)} never seen offline)` : ''),
  );
  lines.push(oneToOne);
  return lines;
}

/** Whether the run failed its basic bookkeeping: a one-to-one message lost or misrouted, or a presence error (the exit status says so). */
export function connectionsFailed(result: { connections?: ConnectionsResult }): boolean {
  const c = result.connections;
  if (!c) return false;
  const direct = [c.alone, c.beside].some((t) => t.counts.lost > 0 || t.counts.misrouted > 0);
  return direct || (c.presence?.counts.errors ?? 0) > 0;
}
