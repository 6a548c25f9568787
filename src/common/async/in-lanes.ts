/** What `runInLanes` could not do: the items that failed or were not started, and the first error. */
export interface LanesOutcome<T> {
  undone: T[];
  error?: unknown;
}

/**
 * `fn` over the items with at most `lanes` calls in flight, each lane taking the next item as soon
 * as its call ends. After the first failure no new item starts (the calls in flight end), so a
 * database that is down is not hit once per item; what failed or never started is returned, in
 * the items' order, for the caller to keep.
 */
export async function runInLanes<T>(items: readonly T[], lanes: number, fn: (item: T) => Promise<void>): Promise<LanesOutcome<T>> {
  const done = new Array<boolean>(items.length).fill(false);
  let next = 0;
  let error: unknown;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i]);
        done[i] = true;
      } catch (err) {
        if (!failed) error = err;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
  return failed ? { undone: items.filter((_, i) => !done[i]), error } : { undone: [] };
}
