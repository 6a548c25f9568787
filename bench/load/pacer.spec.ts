import { pace, PacerHooks } from './pacer';

describe('pace', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function recorder(inFlight: () => number = () => 0) {
    const sends: Array<{ k: number; scheduledAt: number; at: number }> = [];
    const hooks: PacerHooks = {
      send: (k, scheduledAt) => sends.push({ k, scheduledAt, at: performance.now() }),
      inFlight,
      now: () => performance.now(),
    };
    return { sends, hooks };
  }

  it('schedules message k at start + k / rate and stops after the total', async () => {
    const { sends, hooks } = recorder();
    const start = performance.now();
    const done = pace({ rate: 1000, total: 50, window: 1 }, hooks);
    await jest.advanceTimersByTimeAsync(100);
    await expect(done).resolves.toMatchObject({ sent: 50 });
    expect(sends.map((s) => s.scheduledAt - start)).toEqual(Array.from({ length: 50 }, (_, k) => k));
    for (const s of sends) expect(s.at).toBeGreaterThanOrEqual(s.scheduledAt);
  });

  it('offers rate x duration messages in a duration', async () => {
    const { sends, hooks } = recorder();
    const done = pace({ rate: 200, durationMs: 1000, window: 1 }, hooks);
    await jest.advanceTimersByTimeAsync(1100);
    await expect(done).resolves.toMatchObject({ sent: 200 });
    expect(sends).toHaveLength(200);
  });

  it('when the generator stalls, sends what fell due in a burst, each with its own scheduled time', async () => {
    let clock = 0;
    const sends: Array<{ scheduledAt: number; at: number }> = [];
    const done = pace(
      { rate: 1000, total: 20, window: 1 },
      { send: (_k, scheduledAt) => sends.push({ scheduledAt, at: clock }), inFlight: () => 0, now: () => clock },
    );
    expect(sends).toEqual([{ scheduledAt: 0, at: 0 }]);
    clock = 50; // the process was busy for 50 ms
    await jest.advanceTimersByTimeAsync(1);
    await done;
    expect(sends.map((s) => s.scheduledAt)).toEqual(Array.from({ length: 20 }, (_, k) => k));
    expect(sends.slice(1).every((s) => s.at === 50)).toBe(true);
  });

  it('in a closed loop, sends only while fewer than the window are in flight', async () => {
    let delivered = 0;
    const { sends, hooks } = recorder(() => sends.length - delivered);
    const done = pace({ rate: 'max', total: 10, window: 3 }, hooks);
    expect(sends).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(5);
    expect(sends).toHaveLength(3);
    delivered = 2;
    await jest.advanceTimersByTimeAsync(2);
    expect(sends).toHaveLength(5);
    delivered = 10;
    await jest.advanceTimersByTimeAsync(5);
    await expect(done).resolves.toMatchObject({ sent: 10 });
  });

  it('keeps sending past the duration until minEndAt, which may be unknown (Infinity) at first', async () => {
    const { sends, hooks } = recorder();
    const start = performance.now();
    let until = Infinity;
    const done = pace({ rate: 100, durationMs: 1000, window: 1 }, { ...hooks, minEndAt: () => until });
    await jest.advanceTimersByTimeAsync(1500);
    expect(sends.length).toBeGreaterThanOrEqual(150);
    until = start + 2000;
    await jest.advanceTimersByTimeAsync(1000);
    await expect(done).resolves.toMatchObject({ sent: 200 });
  });

  it('stops at the duration when minEndAt is earlier', async () => {
    const { sends, hooks } = recorder();
    const done = pace({ rate: 100, durationMs: 1000, window: 1 }, { ...hooks, minEndAt: () => -Infinity });
    await jest.advanceTimersByTimeAsync(1100);
    await expect(done).resolves.toMatchObject({ sent: 100 });
    expect(sends).toHaveLength(100);
  });
});
