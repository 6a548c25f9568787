import { mapInChunks } from './in-chunks';

describe('mapInChunks', () => {
  it('keeps at most atOnce calls in flight and returns the results in order', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapInChunks([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5 * (8 - n)));
      inFlight--;
      return n * 10;
    });
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(most).toBe(3);
  });

  it('rejects with the first failure', async () => {
    await expect(mapInChunks([1, 2], 2, async (n) => (n === 2 ? Promise.reject(new Error('no')) : n))).rejects.toThrow('no');
  });
});
