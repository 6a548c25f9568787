import { BulkUpdates, STATEMENTS_PER_BULK, UPDATE_SLOTS } from './bulk-updates';

const tick = () => new Promise((r) => setImmediate(r));

describe('BulkUpdates', () => {
  it('writes in bulks of STATEMENTS_PER_BULK and never holds more than UPDATE_SLOTS, across writers', async () => {
    const updates = new BulkUpdates();
    let held = 0;
    let peak = 0;
    const written: number[] = [];
    const write = async (bulk: number[]) => {
      expect(bulk.length).toBeLessThanOrEqual(STATEMENTS_PER_BULK);
      held += bulk.length + 1;
      peak = Math.max(peak, held);
      await tick();
      written.push(...bulk);
      held -= bulk.length + 1;
    };
    const items = (from: number) => Array.from({ length: 12 * STATEMENTS_PER_BULK }, (_, i) => from + i);
    const outcomes = await Promise.all([updates.inBulks(items(0), write), updates.inBulks(items(1000), write)]);
    expect(outcomes).toEqual([{ undone: [] }, { undone: [] }]);
    expect(written.sort((a, b) => a - b)).toEqual([...items(0), ...items(1000)]);
    expect(peak).toBeLessThanOrEqual(UPDATE_SLOTS);
    expect(peak).toBeGreaterThan(UPDATE_SLOTS / 2); // bulks did run side by side
    expect(updates.freeSlots).toBe(UPDATE_SLOTS);
  });

  it('runs at most `atMostAtOnce` bulks of one call at once', async () => {
    const updates = new BulkUpdates();
    let inFlight = 0;
    let peak = 0;
    const items = Array.from({ length: 6 * STATEMENTS_PER_BULK }, (_, i) => i);
    const outcome = await updates.inBulks(
      items,
      async () => {
        peak = Math.max(peak, ++inFlight);
        await tick();
        inFlight--;
      },
      1,
    );
    expect(outcome).toEqual({ undone: [] });
    expect(peak).toBe(1);
  });

  it('returns what a failed bulk and the bulks not started held, and frees its slots', async () => {
    const updates = new BulkUpdates();
    let calls = 0;
    const outcome = await updates.inBulks(
      Array.from({ length: 10 * STATEMENTS_PER_BULK }, (_, i) => i),
      async () => {
        await tick();
        if (++calls === 1) throw new Error('database down');
      },
    );
    expect((outcome.error as Error).message).toBe('database down');
    expect(outcome.undone.length).toBeGreaterThanOrEqual(STATEMENTS_PER_BULK);
    expect(outcome.undone.slice(0, STATEMENTS_PER_BULK)).toEqual(Array.from({ length: STATEMENTS_PER_BULK }, (_, i) => i)); // the failed first bulk
    expect(updates.freeSlots).toBe(UPDATE_SLOTS);
  });
});
