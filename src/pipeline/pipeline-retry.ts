import { BackoffOptions } from '@app/amqp-transport';

/**
 * Backoff of a pipeline step that failed for a transient cause (database or broker down): the
 * message is held, unacked, and the step tried again; it is never requeued or dead-lettered for it.
 */
export const PIPELINE_RETRY: BackoffOptions = { initialMs: 250, maxMs: 5_000 };

/** Attempts 1, 2, 4, 8...: a long outage with a full prefetch window does not flood the log. */
export function worthLogging(attempt: number): boolean {
  return (attempt & (attempt - 1)) === 0;
}
