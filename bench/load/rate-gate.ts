/** The clock a paced run reads and waits on (performance.now() and a timer, or a fake one in specs). */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export interface PacedTasks {
  /** When the first task was due. */
  startedAt: number;
  /** When the last task settled. */
  endedAt: number;
  /** Per task: how late it started behind its due time, ms. */
  lagMs: Float64Array;
  /** The most tasks running at once. */
  peakPending: number;
}

/**
 * Runs `count` tasks at `rate` per second: task i is due at start + i / rate, and starts then
 * unless `maxPending` tasks are still running, in which case it waits for one to settle (the lag
 * says by how much the schedule slipped). Resolves when every task has settled; a task's failure
 * is its own business (`task` must not reject).
 */
export async function runAtRate(count: number, rate: number, maxPending: number, task: (i: number) => Promise<void>, clock: Clock = realClock): Promise<PacedTasks> {
  if (!(rate > 0) || maxPending < 1) throw new Error('runAtRate needs a positive rate and maxPending');
  const startedAt = clock.now();
  const lagMs = new Float64Array(count);
  const running = new Set<Promise<void>>();
  let peakPending = 0;
  for (let i = 0; i < count; i++) {
    const due = startedAt + (i * 1000) / rate;
    const wait = due - clock.now();
    if (wait > 0) await clock.sleep(wait);
    while (running.size >= maxPending) await Promise.race(running);
    lagMs[i] = Math.max(0, clock.now() - due);
    const p: Promise<void> = task(i).finally(() => running.delete(p));
    running.add(p);
    peakPending = Math.max(peakPending, running.size);
  }
  await Promise.all(running);
  return { startedAt, endedAt: clock.now(), lagMs, peakPending };
}
