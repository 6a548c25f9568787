export interface BackoffOptions {
  /** First delay (ms). */
  initialMs: number;
  /** Largest delay (ms). */
  maxMs: number;
}

/**
 * Delay before attempt n (1-based): doubling from initialMs up to maxMs, with jitter on the upper
 * half, so that many parties failing at once (a broker restart drops every client and engine) do
 * not all come back in the same instant. Attempt 1 waits about initialMs.
 */
export function backoffDelay(attempt: number, { initialMs, maxMs }: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
