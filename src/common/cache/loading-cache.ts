import { LRUCache } from 'lru-cache';

interface PendingLoad<V> {
  promise: Promise<V>;
}

/**
 * A bounded read-through cache: a miss calls `load`, concurrent misses of one key share that
 * call, and the least recently used entries are dropped past `maxEntries` (lru-cache keeps them).
 *
 * Invalidation wins over a load in flight: the load's result is not stored (it may predate the
 * change), and the next get() starts a fresh load instead of joining the stale one. Failed loads
 * are not cached.
 */
export class LoadingCache<V> {
  /** Boxed: lru-cache holds no null or undefined, and a cached negative answer is one. */
  private readonly values: LRUCache<string, { value: V }>;
  private readonly pending = new Map<string, PendingLoad<V>>();

  constructor(
    maxEntries: number,
    private readonly load: (key: string) => Promise<V>,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`maxEntries must be a positive integer, got ${maxEntries}`);
    this.values = new LRUCache({ max: maxEntries });
  }

  get size(): number {
    return this.values.size;
  }

  get(key: string): Promise<V> {
    const hit = this.values.get(key); // a hit becomes the most recently used
    if (hit) return Promise.resolve(hit.value);
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight.promise;

    const entry = {} as PendingLoad<V>;
    entry.promise = this.load(key).then(
      (value) => {
        if (this.pending.get(key) === entry) {
          this.pending.delete(key);
          this.values.set(key, { value });
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
}
