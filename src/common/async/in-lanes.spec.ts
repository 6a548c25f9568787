import { runInLanes } from './in-lanes';

const tick = () => new Promise((r) => setImmediate(r));

describe('runInLanes', () => {
  it('keeps at most `lanes` calls in flight and does every item', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    const outcome = await runInLanes([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      peak = Math.max(peak, ++inFlight);
      await tick();
      seen.push(n);
      inFlight--;
    });
    expect(outcome).toEqual({ undone: [] });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('starts a waiting item as soon as any lane is free, not when a whole chunk is', async () => {
    const started: number[] = [];
    let releaseSlow!: () => void;
    const slow = new Promise<void>((r) => (releaseSlow = r));
    const run = runInLanes([0, 1, 2, 3], 2, async (n) => {
      started.push(n);
      if (n === 0) await slow;
      else await tick();
    });
    for (let i = 0; i < 5; i++) await tick();
    expect(started).toEqual([0, 1, 2, 3]); // 2 and 3 ran beside the slow 0
    releaseSlow();
    await expect(run).resolves.toEqual({ undone: [] });
  });

  it('after a failure starts nothing new and returns what failed or never started, with the first error', async () => {
    const calls: number[] = [];
    const outcome = await runInLanes([1, 2, 3, 4, 5, 6], 2, async (n) => {
      calls.push(n);
      await tick();
      if (n === 2) throw new Error('down');
    });
    expect(calls).toEqual([1, 2, 3]); // 3 started when 1 ended, before 2 failed; nothing after
    expect(outcome.undone).toEqual([2, 4, 5, 6]);
    expect((outcome.error as Error).message).toBe('down');
  });

  it('does nothing for no items', async () => {
    const fn = jest.fn();
    await expect(runInLanes([], 4, fn)).resolves.toEqual({ undone: [] });
    expect(fn).not.toHaveBeenCalled();
  });
});
