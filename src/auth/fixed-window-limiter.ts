export type LimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * At most `limit` hits per key in each fixed window (windows start at multiples of `windowMs`).
 * The counts of a window are dropped when the next one begins, so memory holds one window's keys.
 */
export class FixedWindowLimiter {
  private window = -1;
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.limit > 0;
  }

  hit(key: string): LimitDecision {
    if (!this.enabled) return { allowed: true };
    const now = this.now();
    const window = Math.floor(now / this.windowMs);
    if (window !== this.window) {
      this.window = window;
      this.counts.clear();
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    if (count <= this.limit) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(((window + 1) * this.windowMs - now) / 1000)) };
  }
}
