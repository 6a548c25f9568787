/**
 * Reads `rows` rows that pass `keep`, in the source's order, from after `from`: for a list whose
 * filter the database cannot apply (e.g. it compares two collections). Each read asks for what is
 * still missing plus `slack` (how many rows the filter may drop, when that is known: one read then
 * usually suffices) and goes on after the last row read, so a page comes back short only when the
 * source has no more, however many rows the filter drops.
 */
export async function readKept<Row, Key>(
  rows: number,
  from: Key | undefined,
  read: (after: Key | undefined, rows: number) => Promise<Row[]>,
  keyOf: (row: Row) => Key,
  keep: (row: Row) => boolean,
  slack = 0,
): Promise<Row[]> {
  const kept: Row[] = [];
  let after = from;
  for (;;) {
    const asked = rows - kept.length + slack;
    const batch = await read(after, asked);
    for (const row of batch) if (keep(row)) kept.push(row);
    if (kept.length >= rows || batch.length < asked) return kept.slice(0, rows);
    after = keyOf(batch[batch.length - 1]);
  }
}
