import { backoffDelay } from '@app/backoff';
import { ReconnectOptions } from './options';

/** Delay before reconnect attempt n (1-based): the shared backoff formula, in the SDK's option names. */
export function reconnectDelay(attempt: number, { initialDelayMs, maxDelayMs }: ReconnectOptions, random: () => number = Math.random): number {
  return backoffDelay(attempt, { initialMs: initialDelayMs, maxMs: maxDelayMs }, random);
}
