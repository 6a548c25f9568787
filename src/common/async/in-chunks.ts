/**
 * `fn` over the items, `atOnce` at a time (a chunk waits for the one before), results in the
 * items' order. For calls the database answers worse when many arrive at once (FerretDB).
 */
export async function mapInChunks<T, R>(items: readonly T[], atOnce: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += atOnce) results.push(...(await Promise.all(items.slice(i, i + atOnce).map(fn))));
  return results;
}
