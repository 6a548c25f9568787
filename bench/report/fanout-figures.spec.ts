import { ProcessStats } from '../measure/proc-sampler';
import { FanoutClassResult, FanoutPhaseResult, MixedCheckResult } from '../run/fanout';
import { FanoutTrialResult } from '../run/fanout-trial';
import { TrialResult } from '../run/trial';
import { cpuMsPerDelivery, FANOUT_FIGURES, fanoutLost, fanoutTables, fanoutTargets, mixedSlowdown } from './fanout-figures';
import { figureRows } from './text-report';

const cpu = (cpuSeconds: number): ProcessStats => ({ pid: 1, cpuPercent: cpuSeconds * 10, cpuSeconds, peakCpuPercent: 0, peakRssMb: 100, rssSlopeMbPerMin: null, samples: 10 });
const pct = { count: 1, mean: 1, p50: 1, p95: 1, p99: 1, max: 1 };

function trial(path: 'raw' | 'engine', deliveryRate: number, over: Partial<FanoutTrialResult['counts']> = {}): FanoutTrialResult {
  return {
    path,
    label: '10x100',
    shape: { groups: 10, members: 100 },
    offeredRate: 'max',
    counts: {
      offered: 100,
      complete: 100,
      deliveriesExpected: 10_000,
      deliveries: 10_000,
      lostDeliveries: 0,
      incomplete: 0,
      duplicatedDeliveries: 0,
      misrouted: 0,
      corrupted: 0,
      rejected: {},
      stray: 0,
      disconnects: 0,
      ...over,
    },
    sendSeconds: 10,
    sendRate: 10,
    messageRate: deliveryRate / 100,
    deliveryRate,
    lastReceipt: { ...pct, p99: 40 },
    lastReceiptProfile: null,
    firstReceipt: pct,
    generatorLag: pct,
    drainSeconds: 0.1,
    drainTimedOut: false,
    processes: { engine: path === 'engine' ? cpu(2) : null, broker: cpu(5), database: null, postgres: null, generator: cpu(1) },
    generatorLoopDelay: { p50: 5, p99: 6, max: 8 },
    dbWrites: null,
    stages: null,
  };
}

const klass = (t: FanoutTrialResult, members = 100): FanoutClassResult => ({ path: t.path, shape: { groups: 10, members }, setupSeconds: 3, connectSeconds: 4, trial: { ...t, shape: { groups: 10, members } } });

function direct(p99: number, lost = 0): TrialResult {
  return { latency: { ...pct, p99 }, counts: { lost, misrouted: 0 } } as unknown as TrialResult;
}

function mixed(aloneP99: number, loadedP99: number): MixedCheckResult {
  return { path: 'engine', members: 1000, connectSeconds: 5, alone: direct(aloneP99), loaded: direct(loadedP99), group: trial('engine', 2000) };
}

function phase(path: 'raw' | 'engine', rate: number, m: MixedCheckResult | null = null, members = 100): FanoutPhaseResult {
  return { path, classes: [klass(trial(path, rate), members)], mixed: m };
}

describe('fan-out figures', () => {
  it('charges CPU per delivery: CPU seconds over the trial / deliveries', () => {
    expect(cpuMsPerDelivery(trial('engine', 1000), 'engine')).toBeCloseTo(0.2); // 2 s / 10,000
    expect(cpuMsPerDelivery(trial('raw', 1000), 'engine')).toBeNull();
    expect(cpuMsPerDelivery(trial('engine', 1000, { deliveries: 0 }), 'engine')).toBeNull();
  });

  it('prints a row per figure with the engine / raw ratio where it means something', () => {
    const rows = figureRows(FANOUT_FIGURES, klass(trial('raw', 8000)), klass(trial('engine', 4000)));
    expect(rows.find((r) => r.startsWith('deliveries/s'))).toMatch(/8,000\s+4,000\s+0\.50$/);
    expect(rows.find((r) => r.startsWith('engine CPU per delivery'))).toMatch(/-\s+0\.200\s*$/);
    expect(rows.find((r) => r.startsWith('send -> last member p99'))).toMatch(/40\.0\s+40\.0\s+1\.0x$/);
    expect(rows.some((r) => r.startsWith('register + create groups'))).toBe(true);
  });

  it('tables every class for the JSON report', () => {
    const tables = fanoutTables({ raw: phase('raw', 8000), engine: phase('engine', 2000) });
    expect(tables.classes['10 x 100'].deliveryRate).toEqual({ raw: 8000, engine: 2000, ratio: 0.25 });
    expect(tables.mixed).toBeNull();
  });
});

describe('fanoutTargets', () => {
  it('says which targets the run met', () => {
    const lines = fanoutTargets({ raw: phase('raw', 8000), engine: phase('engine', 4400, mixed(10, 15)) });
    expect(lines).toEqual([
      '0 lost (raw broker): met',
      '0 lost (engine): met',
      "engine deliveries/s >= 0.5 x raw broker's, 10 x 100: 0.55 - met",
      'engine one-to-one p99 beside a 1,000-member group < 2 x alone: 1.50x - met',
    ]);
  });

  it('says which it missed, and that the throughput target is for groups of up to 100', () => {
    const engine = phase('engine', 1000, mixed(10, 25));
    engine.classes[0].trial.counts.lostDeliveries = 7;
    const lines = fanoutTargets({ raw: phase('raw', 8000), engine });
    expect(lines).toContain('0 lost (engine): not met, 7 lost');
    expect(lines).toContain("engine deliveries/s >= 0.5 x raw broker's, 10 x 100: 0.13 - not met");
    expect(lines).toContain('engine one-to-one p99 beside a 1,000-member group < 2 x alone: 2.50x - not met');
    expect(fanoutTargets({ raw: phase('raw', 8000, null, 1000), engine: phase('engine', 1000, null, 1000) })).toContain(
      "engine deliveries/s >= 0.5 x raw broker's, 10 x 1,000: 0.13 - for information (the target is for groups of up to 100 members)",
    );
  });

  it('counts a lost one-to-one message of the mixed check as lost', () => {
    const m = mixed(10, 12);
    m.loaded = direct(12, 1);
    expect(fanoutLost({ fanout: { engine: phase('engine', 1000, m) } })).toBe(true);
    expect(fanoutLost({ fanout: { engine: phase('engine', 1000, mixed(10, 12)) } })).toBe(false);
    expect(mixedSlowdown(m)).toBeCloseTo(1.2);
  });
});
