import { decodeCursor } from './cursor';
import { readPage } from './page';

describe('readPage', () => {
  const rows = [1, 2, 3, 4, 5];
  const read = (n: number) => Promise.resolve(rows.slice(0, n));

  it('asks for one row more than the page and gives the next cursor from the last row of the page', async () => {
    const asked: number[] = [];
    const page = await readPage(2, (n) => (asked.push(n), read(n)), (r) => `#${r}`, (last) => ({ id: String(last) }));
    expect(asked).toEqual([3]);
    expect(page.items).toEqual(['#1', '#2']);
    expect(decodeCursor<{ id: string }>(page.next_cursor!, { id: 'string' })).toEqual({ id: '2' });
  });

  it('has no next cursor on the last page', async () => {
    expect(await readPage(5, read, (r) => r, () => ({}))).toEqual({ items: rows, next_cursor: null });
  });
});
