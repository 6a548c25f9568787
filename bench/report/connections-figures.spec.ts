import { PresenceSummary } from '../load/presence-tracker';
import { ConnectionsResult } from '../run/connections';
import { TrialResult } from '../run/trial';
import { besideSlowdown, CONNECTIONS_FIGURES, connectionsFailed, connectionsTable, connectionsTargets, memoryPerConnection, memoryReleased } from './connections-figures';
import { figureRows } from './text-report';

const pct = (p99: number) => ({ count: 10, mean: 1, p50: 1, p95: 1, p99, max: p99 * 2 });

function direct(p99: number, lost = 0): TrialResult {
  return { latency: pct(p99), counts: { lost, misrouted: 0 } } as unknown as TrialResult;
}

function presence(over: Partial<PresenceSummary['counts']> = {}, allOnlineMs: number | null = 800, offlineP99 = 40): PresenceSummary {
  const counts = { users: 1000, snapshotSeen: 1000, connected: 1000, seenOnline: 1000, onlineWithoutConnack: 0, closed: 1000, seenOffline: 1000, neverOnline: 0, neverOffline: 0, flapping: 0, errors: 0, stray: 0, ...over };
  return {
    counts,
    onlineLatency: pct(300),
    offlineLatency: pct(offlineP99),
    allOnlineAfterLastConnackMs: allOnlineMs,
    allOfflineAfterLastCloseMs: 60,
    lastConnackAt: 1,
    lastCloseAt: 2,
  };
}

function result(over: Partial<ConnectionsResult> = {}): ConnectionsResult {
  return {
    path: 'engine',
    connections: 1000,
    limits: { generatorOpenFiles: 20_000, brokerOpenFiles: 20_000, ephemeralPorts: 28_232 },
    registerSeconds: 2,
    watchers: 2,
    watch: { accepted: 2, refused: [], unknown: 0 },
    snapshotSeconds: 0.5,
    open: { attempted: 1000, connected: 1000, failed: {}, seconds: 2.5, achievedRate: 400, connack: pct(90), ready: pct(120), scheduleLag: pct(3), peakPending: 40 },
    openProcesses: { engine: null, broker: null, database: null, postgres: null, generator: null },
    onlineWaitSeconds: 0.8,
    heldSeconds: 60,
    heldProcesses: { engine: null, broker: null, database: null, postgres: null, generator: null },
    close: { closed: 1000, seconds: 2, achievedRate: 500, scheduleLag: pct(1) },
    offlineWaitSeconds: 0.1,
    presence: presence(),
    memory: {
      before: { broker: 150, engine: 170, generator: 180 },
      held: { broker: 400, engine: 190, generator: 240 },
      after: { broker: 250, engine: 185, generator: 181 },
    },
    lostWhileHeld: 0,
    lostReasons: {},
    watcherDisconnects: 0,
    alone: direct(20),
    beside: direct(25),
    ...over,
  };
}

describe('connections figures', () => {
  it('charges each process its RSS growth per connection, and says how much of it came back', () => {
    const c = result();
    expect(memoryPerConnection(c, 'broker')).toBeCloseTo(256); // 250 MB over 1,000
    expect(memoryPerConnection(c, 'generator')).toBeCloseTo(61.44);
    expect(memoryReleased(c, 'broker')).toBeCloseTo(0.6); // 150 of 250 MB
    expect(memoryReleased(result({ memory: { ...c.memory, held: { broker: 140, engine: null, generator: 180 } } }), 'broker')).toBeNull();
    expect(memoryReleased(c, 'engine')).toBeCloseTo(0.25);
  });

  it('compares the one-to-one p99 beside the connections with alone', () => {
    expect(besideSlowdown(result())).toBeCloseTo(1.25);
    expect(besideSlowdown(result({ alone: { ...direct(0), latency: null } }))).toBeNull();
  });

  it('meets the targets of issue 16 when every user was held, seen online within 5 s and offline within 100 ms p99, and the p99 stayed within 1.5x', () => {
    expect(connectionsTargets(result())).toEqual([
      '1,000 held with 0 presence errors: 1,000 connected, 0 dropped, 0 presence errors - met',
      'all online within 5 s of the last CONNACK: 0.80 s - met',
      'a clean disconnect seen by a watcher within 100 ms p99: 40.0 ms - met',
      'one-to-one p99 with 1,000 idle connections within 1.5x of without: 1.25x - met',
    ]);
  });

  it('misses them on a presence error, a slow or missing online, a slow offline, or a slower one-to-one', () => {
    const lines = connectionsTargets(result({ presence: presence({ neverOnline: 3, errors: 3 }, null, 150), beside: direct(40) }));
    expect(lines[0]).toMatch(/3 presence errors - not met$/);
    expect(lines[1]).toBe('all online within 5 s of the last CONNACK: not met, 3 never seen online');
    expect(lines[2]).toMatch(/150\.0 ms - not met$/);
    expect(lines[3]).toMatch(/2\.00x - not met$/);
    expect(connectionsTargets(result({ open: { ...result().open, connected: 990 } }))[0]).toMatch(/990 connected.* - not met$/);
  });

  it('says presence was not measured when the engine answered no watch list', () => {
    const lines = connectionsTargets(result({ presence: null }));
    expect(lines).toEqual(['1,000 held: 1,000 connected, 0 dropped - met; presence not measured (the engine answered no watch list)', 'one-to-one p99 with 1,000 idle connections within 1.5x of without: 1.25x - met']);
    expect(connectionsTable(result({ presence: null })).presenceErrors).toEqual({ raw: null, engine: null, ratio: null });
  });

  it('fails the run (exit status) on a presence error or a lost one-to-one message, not on a missed latency', () => {
    expect(connectionsFailed({})).toBe(false);
    expect(connectionsFailed({ connections: result({ beside: direct(500) }) })).toBe(false);
    expect(connectionsFailed({ connections: result({ presence: presence({ flapping: 1, errors: 1 }) }) })).toBe(true);
    expect(connectionsFailed({ connections: result({ alone: direct(20, 1) }) })).toBe(true);
  });

  it('prints every figure in one column, each label within the column', () => {
    const rows = figureRows(CONNECTIONS_FIGURES, null, result());
    expect(rows.find((r) => r.startsWith('broker KB per connection'))).toMatch(/\s256\.0$/);
    expect(rows.find((r) => r.startsWith('last CONNACK -> all seen online, ms'))).toMatch(/\s800\.0$/);
    expect(rows.find((r) => r.startsWith('p99 beside / p99 alone'))).toMatch(/\s1\.25x$/);
    for (const f of CONNECTIONS_FIGURES) expect(f.label.length).toBeLessThan(36);
    expect(new Set(CONNECTIONS_FIGURES.map((f) => f.key)).size).toBe(CONNECTIONS_FIGURES.length);
  });
});
