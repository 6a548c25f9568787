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
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = backoffCeiling(attempt, options);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * The delay before attempt n without jitter: initialMs doubled per attempt, at most maxMs. For a
 * party that retries alone (an engine's own writer), where no crowd comes back at once.
 */
export function backoffCeiling(attempt: number, { initialMs, maxMs }: BackoffOptions): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}
