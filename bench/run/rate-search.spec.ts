import { SearchConfig } from '../config/bench-config';
import { failures, RateSearch } from './rate-search';
import { TrialResult } from './trial';

const config: SearchConfig = {
  p99BoundMs: 50,
  trialDurationMs: 10_000,
  startRate: 500,
  maxRate: 50_000,
  precision: 0.1,
  granularity: 50,
  maxTrials: 12,
};

/** Drives a search against a system that sustains `capacity` msg/s; returns the rates tried and the answer. */
function search(capacity: number, overrides: Partial<SearchConfig> = {}) {
  const s = new RateSearch({ ...config, ...overrides });
  const tried: number[] = [];
  for (let rate = s.next(); rate !== null; rate = s.next()) {
    tried.push(rate);
    s.record(rate, rate <= capacity ? [] : ['too slow']);
  }
  return { tried, best: s.best, hitMaximum: s.hitMaximum };
}

describe('RateSearch', () => {
  it('doubles until a failure, then bisects to within the precision', () => {
    const { tried, best } = search(2300);
    expect(tried.slice(0, 4)).toEqual([500, 1000, 2000, 4000]);
    expect(best).toBeLessThanOrEqual(2300);
    expect(best).toBeGreaterThanOrEqual(2300 * 0.9);
  });

  it('bisects downwards when the start rate already fails', () => {
    const { tried, best } = search(180);
    expect(tried[0]).toBe(500);
    expect(tried[1]).toBe(250);
    expect(best).toBeLessThanOrEqual(180);
    expect(best).toBeGreaterThanOrEqual(150);
  });

  it('answers 0 when nothing passes', () => {
    expect(search(10).best).toBe(0);
  });

  it('stops at the maximum rate and says so', () => {
    expect(search(1e9, { maxRate: 3000 })).toEqual({ tried: [500, 1000, 2000, 3000], best: 3000, hitMaximum: true });
  });

  it('never runs more than maxTrials trials', () => {
    expect(search(2345, { precision: 0.0001, granularity: 1, maxTrials: 6 }).tried).toHaveLength(6);
  });
});

describe('failures', () => {
  const passing: TrialResult = {
    path: 'engine',
    label: '',
    offeredRate: 1000,
    counts: { offered: 10_000, delivered: 10_000, lost: 0, duplicated: 0, redeliveredDropped: 0, misrouted: 0, corrupted: 0, confirmed: 10_000, unconfirmed: 0, rejected: {}, stray: 0, disconnects: 0 },
    sendSeconds: 10,
    sendRate: 1000,
    deliveredRate: 998,
    latency: { count: 10_000, mean: 5, p50: 4, p95: 9, p99: 20, max: 60 },
    latencyProfile: null,
    confirmLatency: null,
    generatorLag: null,
    generatorLoopDelay: { p50: 5, p99: 6, max: 8 },
    drainSeconds: 0.1,
    drainTimedOut: false,
    processes: { engine: null, broker: null, database: null, postgres: null, generator: null },
    dbWrites: null,
    stages: null,
  };

  it('passes a trial with nothing lost and p99 within the bound', () => {
    expect(failures(passing, 50)).toEqual([]);
  });

  it.each([
    [{ counts: { ...passing.counts, lost: 1 } }, '1 lost'],
    [{ counts: { ...passing.counts, rejected: { RATE_LIMITED: 3 } } }, '3 rejected by the engine'],
    [{ counts: { ...passing.counts, unconfirmed: 2 } }, "2 without the sender's copy"],
    [{ latency: { ...passing.latency!, p99: 51 } }, 'p99 51.0 ms > 50 ms'],
    [{ sendRate: 900 }, 'the generator offered only 900 msg/s'],
  ])('fails %p', (change, reason) => {
    expect(failures({ ...passing, ...change }, 50)).toEqual([reason]);
  });
});
