import { BatchStep, MicroBatcher } from './micro-batcher';

interface Item {
  n: number;
}

function setup(options: { maxSize?: number; maxWaitMs?: number; maxTails?: number } = {}, tailOf?: (batch: Item[]) => Promise<void>) {
  const batches: number[][] = [];
  const step: BatchStep<Item> = async (batch) => {
    batches.push(batch.map((i) => i.n));
    return tailOf ? { tail: tailOf(batch) } : null;
  };
  const batcher = new MicroBatcher<Item>({ maxSize: 3, maxWaitMs: 20, maxTails: 2, orderOf: (i) => i.n, ...options }, step);
  return { batcher, batches };
}

async function until(condition: () => boolean, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('MicroBatcher', () => {
  it('takes a full batch at once, without waiting out the time limit', async () => {
    const t = setup({ maxSize: 3, maxWaitMs: 10_000 });
    [1, 2, 3].forEach((n) => t.batcher.add({ n }));
    await until(() => t.batches.length === 1);
    expect(t.batches).toEqual([[1, 2, 3]]);
    t.batcher.stop();
  });

  it('takes a partial batch once the time limit has passed', async () => {
    const t = setup({ maxSize: 100, maxWaitMs: 30 });
    const started = Date.now();
    t.batcher.add({ n: 1 });
    await new Promise((r) => setTimeout(r, 10));
    expect(t.batches).toEqual([]);
    await until(() => t.batches.length === 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('with no wait, takes what arrived in the same turn at once, and gathers the rest while a batch is handled', async () => {
    let release!: () => void;
    const batches: number[][] = [];
    const batcher = new MicroBatcher<Item>({ maxSize: 100, maxWaitMs: 0, maxTails: 2, orderOf: (i) => i.n }, async (batch) => {
      batches.push(batch.map((i) => i.n));
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return null;
    });
    batcher.add({ n: 1 });
    batcher.add({ n: 2 });
    await until(() => batches.length === 1);
    [3, 4, 5].forEach((n) => batcher.add({ n }));
    await new Promise((r) => setTimeout(r, 10));
    expect(batches).toEqual([[1, 2]]); // the first is still being handled
    release();
    await until(() => batches.length === 2);
    expect(batches).toEqual([[1, 2], [3, 4, 5]]);
    batcher.stop();
  });

  it('hands each batch over sorted by the order key, and never more than the size', async () => {
    const t = setup({ maxSize: 3, maxWaitMs: 5 });
    [5, 3, 4, 1, 2].forEach((n) => t.batcher.add({ n }));
    await until(() => t.batches.flat().length === 5);
    expect(t.batches).toEqual([[3, 4, 5], [1, 2]]);
  });

  it('starts the next batch while earlier tails run, but no more than maxTails of them', async () => {
    const releases: Array<() => void> = [];
    const t = setup({ maxSize: 1, maxWaitMs: 1, maxTails: 2 }, () => new Promise<void>((r) => releases.push(r)));
    [1, 2, 3].forEach((n) => t.batcher.add({ n }));
    await until(() => t.batches.length === 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(t.batches).toEqual([[1], [2]]);
    releases[0]();
    await until(() => t.batches.length === 3);
    expect(t.batches).toEqual([[1], [2], [3]]);
  });

  it('returns the waiting items on stop and takes no batch after it', async () => {
    const t = setup({ maxSize: 100, maxWaitMs: 20 });
    t.batcher.add({ n: 1 });
    t.batcher.add({ n: 2 });
    expect(t.batcher.stop()).toEqual([{ n: 1 }, { n: 2 }]);
    expect(t.batcher.isStopped).toBe(true);
    t.batcher.add({ n: 3 });
    await new Promise((r) => setTimeout(r, 40));
    expect(t.batches).toEqual([]);
  });
});
