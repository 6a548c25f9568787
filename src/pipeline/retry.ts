import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { errorMessage } from '@app/amqp-transport';
import { backoffDelay, BackoffOptions } from '@app/backoff';

/**
 * Backoff of a pipeline step that failed for a transient cause (database or broker down): the
 * message is held, unacked, and the step tried again; it is never requeued or dead-lettered for it.
 */
export const PIPELINE_RETRY: BackoffOptions = { initialMs: 250, maxMs: 5_000 };

export interface RetryOptions {
  /** Names the step in logs. */
  operation: string;
  logger: Logger;
  /** False once the work is pointless (its messages' channel is gone, or the engine stops): give up. */
  live: () => boolean;
  /** Told of every failure (to count it). */
  onFailure?: (err: unknown) => void;
  backoff?: BackoffOptions;
}

/** The step's value, or, when it was given up, the last failure (undefined when it never ran). */
export type RetryResult<T> = { ok: true; value: T } | { ok: false; lastError: unknown };

/**
 * Runs a pipeline step until it succeeds or is no longer live, with backoff between attempts.
 * Liveness is asked before every attempt and after every failure, so a dead message neither
 * starts nor waits out a backoff. Failures are logged on attempts 1, 2, 4, 8...: a long outage
 * with a full prefetch window does not flood the log.
 */
export async function retryWhileLive<T>(step: () => Promise<T>, options: RetryOptions): Promise<RetryResult<T>> {
  const { operation, logger, live, onFailure, backoff = PIPELINE_RETRY } = options;
  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    if (!live()) return { ok: false, lastError };
    try {
      return { ok: true, value: await step() };
    } catch (err) {
      lastError = err;
      onFailure?.(err);
      if (!live()) return { ok: false, lastError };
      const delay = backoffDelay(attempt, backoff);
      if (worthLogging(attempt)) logger.warn({ operation, attempt, retryInMs: delay, error: errorMessage(err) }, 'pipeline step failed; retrying');
      await sleep(delay);
    }
  }
}

function worthLogging(attempt: number): boolean {
  return (attempt & (attempt - 1)) === 0;
}
