interface PendingLoad<V> {
  promise: Promise<V>;
}

/**
 * A bounded read-through cache: a miss calls `load`, concurrent misses of one key share that
 * call, and the least recently used entries are dropped past `maxEntries`.
 *
 * Invalidation wins over a load in flight: the load's result is not stored (it may predate the
 * change), and the next get() starts a fresh load instead of joining the stale one. Failed loads
 * are not cached.
 */
export class LoadingCache<V> {
  /** Map order is the recency order: a hit moves its key to the end. */
  private readonly values = new Map<string, V>();
  private readonly pending = new Map<string, PendingLoad<V>>();

  constructor(
    private readonly maxEntries: number,
    private readonly load: (key: string) => Promise<V>,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`maxEntries must be a positive integer, got ${maxEntries}`);
  }

  get size(): number {
    return this.values.size;
  }

  get(key: string): Promise<V> {
    if (this.values.has(key)) {
      const value = this.values.get(key) as V;
      this.values.delete(key);
      this.values.set(key, value);
      return Promise.resolve(value);
    }
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight.promise;

    const entry = {} as PendingLoad<V>;
    entry.promise = this.load(key).then(
      (value) => {
        if (this.pending.get(key) === entry) {
          this.pending.delete(key);
          this.store(key, value);
        }
        return value;
      },
      (err: unknown) => {
        if (this.pending.get(key) === entry) this.pending.delete(key);
        throw err;
      },
    );
    this.pending.set(key, entry);
    return entry.promise;
  }

  invalidate(key: string): void {
    this.values.delete(key);
    this.pending.delete(key);
  }

  /** Drops every entry (and load in flight) whose key matches; walks the whole cache. */
  invalidateWhere(matches: (key: string) => boolean): void {
    for (const key of [...this.values.keys()]) if (matches(key)) this.values.delete(key);
    for (const key of [...this.pending.keys()]) if (matches(key)) this.pending.delete(key);
  }

  clear(): void {
    this.values.clear();
    this.pending.clear();
  }

  private store(key: string, value: V): void {
    this.values.set(key, value);
    if (this.values.size > this.maxEntries) this.values.delete(this.values.keys().next().value as string);
  }
}
