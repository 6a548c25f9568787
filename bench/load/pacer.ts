export interface PacerPlan {
  /** Messages per second (open loop), or 'max' (closed loop: keep `window` in flight). */
  rate: number | 'max';
  /** Stop after this many messages ... */
  total?: number;
  /** ... or once this much time (ms) has been scheduled. */
  durationMs?: number;
  window: number;
}

export interface PacerHooks {
  /** Publishes message k, due at `scheduledAt` (a performance.now() time). */
  send(k: number, scheduledAt: number): void;
  /** Messages sent and not yet delivered (closed loop only). */
  inFlight(): number;
  now(): number;
  /** Open loop: keep sending at least until this time (may move, Infinity while unknown); past the plan's duration. */
  minEndAt?(): number;
}

export interface PacerResult {
  sent: number;
  startedAt: number;
  endedAt: number;
}

/** Most messages published in one turn of the event loop, so receiving keeps up while we catch up. */
const MAX_BURST = 500;

/**
 * Paces the sends. Open loop: message k is due at start + k / rate whatever happens to earlier
 * ones (a slow system does not slow the offered load); when the generator falls behind it sends
 * what is due in bursts, and the tracker charges the delay to the messages' latency. Closed loop:
 * sends whenever fewer than `window` are in flight.
 */
export function pace(plan: PacerPlan, hooks: PacerHooks): Promise<PacerResult> {
  if (plan.total === undefined && plan.durationMs === undefined) throw new Error('a pacer plan needs a total or a duration');
  const startedAt = hooks.now();
  const interval = plan.rate === 'max' ? 0 : 1000 / plan.rate;
  const plannedEnd = plan.durationMs === undefined ? Infinity : startedAt + plan.durationMs;
  const endAt = () => Math.max(plannedEnd, hooks.minEndAt?.() ?? -Infinity);
  const total = plan.total ?? Infinity;
  let k = 0;

  return new Promise((resolve) => {
    const finish = () => resolve({ sent: k, startedAt, endedAt: hooks.now() });

    const openLoop = () => {
      const now = hooks.now();
      let burst = 0;
      for (let due = startedAt + k * interval; k < total && due < endAt() && due <= now && burst < MAX_BURST; due = startedAt + k * interval) {
        hooks.send(k++, due);
        burst++;
      }
      const nextDue = startedAt + k * interval;
      if (k >= total || nextDue >= endAt()) return finish();
      const wait = nextDue - hooks.now();
      if (wait <= 0) setImmediate(openLoop);
      else setTimeout(openLoop, wait);
    };

    const closedLoop = () => {
      const now = hooks.now();
      if (k >= total || now >= plannedEnd) return finish();
      let burst = 0;
      while (k < total && hooks.inFlight() < plan.window && burst < MAX_BURST) {
        hooks.send(k++, hooks.now());
        burst++;
      }
      if (burst === MAX_BURST) setImmediate(closedLoop);
      else setTimeout(closedLoop, 1);
    };

    if (plan.rate === 'max') closedLoop();
    else openLoop();
  });
}
