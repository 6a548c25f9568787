import { Clock, runAtRate } from './rate-gate';

/** A clock that only moves when slept on, so the schedule is exact. */
function fakeClock(): Clock & { t: number } {
  const clock = {
    t: 1000,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
      await Promise.resolve();
    },
  };
  return clock;
}

describe('runAtRate', () => {
  it('starts task i at i / rate, on time while fewer than maxPending run', async () => {
    const clock = fakeClock();
    const startedAt: number[] = [];
    const r = await runAtRate(5, 100, 10, async (i) => void (startedAt[i] = clock.now()), clock);
    expect(startedAt).toEqual([1000, 1010, 1020, 1030, 1040]);
    expect([...r.lagMs]).toEqual([0, 0, 0, 0, 0]);
    expect(r.peakPending).toBe(1);
  });

  it('holds a task back while maxPending are running, and reports how late it started', async () => {
    const clock = fakeClock();
    const release: Array<() => void> = [];
    const run = runAtRate(3, 1000, 2, (i) => new Promise<void>((resolve) => (release[i] = resolve)), clock);
    for (let k = 0; k < 5; k++) await Promise.resolve();
    expect(release.length).toBe(2); // the third waits for a slot
    clock.t += 50;
    release[0]();
    for (let k = 0; k < 10 && release.length < 3; k++) await Promise.resolve();
    expect(release.length).toBe(3);
    release[1]();
    release[2]();
    const r = await run;
    expect(r.peakPending).toBe(2);
    expect(r.lagMs[2]).toBe(50); // due at +2 ms, started at +52 ms
  });

  it('refuses a rate or gate that would never start anything', async () => {
    await expect(runAtRate(1, 0, 1, async () => undefined)).rejects.toThrow(/positive/);
    await expect(runAtRate(1, 10, 0, async () => undefined)).rejects.toThrow(/positive/);
  });
});
