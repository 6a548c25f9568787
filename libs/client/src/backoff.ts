import { ReconnectOptions } from './options';

/**
 * Delay before reconnect attempt n (1-based): doubling from initialDelayMs up to maxDelayMs, with
 * jitter on the upper half so that many clients dropped at once (a broker restart) do not all
 * come back in the same instant.
 */
export function reconnectDelay(attempt: number, { initialDelayMs, maxDelayMs }: ReconnectOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
