import { readKept } from './kept-rows';

describe('readKept', () => {
  const source = Array.from({ length: 20 }, (_, i) => i + 1);
  /** Rows after `after`, at most `n`, recording each read. */
  const reader = (reads: Array<[number | undefined, number]>) => (after: number | undefined, n: number) => {
    reads.push([after, n]);
    const start = after === undefined ? 0 : source.indexOf(after) + 1;
    return Promise.resolve(source.slice(start, start + n));
  };

  it('reads once when the filter drops nothing', async () => {
    const reads: Array<[number | undefined, number]> = [];
    expect(await readKept(3, undefined, reader(reads), (r) => r, () => true)).toEqual([1, 2, 3]);
    expect(reads).toEqual([[undefined, 3]]);
  });

  it('reads on after the last row read until the page is full, however many rows are dropped', async () => {
    const reads: Array<[number | undefined, number]> = [];
    expect(await readKept(3, 2, reader(reads), (r) => r, (r) => r % 5 === 0)).toEqual([5, 10, 15]);
    expect(reads.length).toBeGreaterThan(1);
    expect(reads[0]).toEqual([2, 3]);
    for (const [after] of reads.slice(1)) expect(after).toBeGreaterThan(2);
  });

  it('comes back short only when the source has no more', async () => {
    expect(await readKept(5, undefined, reader([]), (r) => r, (r) => r > 17)).toEqual([18, 19, 20]);
    expect(await readKept(5, 20, reader([]), (r) => r, () => true)).toEqual([]);
  });

  it('asks for the slack too, so that one read suffices when it covers what is dropped', async () => {
    const reads: Array<[number | undefined, number]> = [];
    expect(await readKept(3, undefined, reader(reads), (r) => r, (r) => r !== 2 && r !== 3, 2)).toEqual([1, 4, 5]);
    expect(reads).toEqual([[undefined, 5]]);
  });
});
