import { encodeCursor } from './cursor';

/** One page of a list, as every list endpoint answers it. */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

/**
 * Reads one row more than a page holds (`read(limit + 1)`), so whether another page follows is
 * known without counting; the cursor of the next page is made from the page's last row.
 */
export async function readPage<Row, Item>(
  limit: number,
  read: (rows: number) => Promise<Row[]>,
  toItem: (row: Row) => Item,
  cursorOf: (last: Row) => Record<string, string | number>,
): Promise<Page<Item>> {
  const rows = await read(limit + 1);
  const page = rows.slice(0, limit);
  return {
    items: page.map(toItem),
    next_cursor: rows.length > limit ? encodeCursor(cursorOf(page[page.length - 1])) : null,
  };
}
