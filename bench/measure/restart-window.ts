import { percentiles, Percentiles } from './stats';

/** What the tracker knows of each message of a trial, by sequence number (times: performance.now()). */
export interface Timeline {
  count: number;
  /** When each message was due. */
  scheduled: Float64Array;
  /** When its recipient's first copy arrived; 0 when none did. */
  deliveredAt: Float64Array;
  /** Non-zero when the engine refused it (not owed a delivery). */
  refused: Uint8Array;
}

/** When the engine was killed and when the restarted one answered ready (performance.now()). */
export interface RestartTimes {
  killedAt: number;
  readyAt: number;
}

/** The restart window: the messages due from this long before the kill ... */
export const WINDOW_BEFORE_KILL_MS = 2000;
/** ... to this long after the restarted engine was ready. */
export const WINDOW_AFTER_READY_MS = 10_000;

export interface RestartFigures {
  /** From the SIGKILL to the restarted engine answering ready (includes the 1 s pause before the restart), ms. */
  killToReadyMs: number;
  /** From ready to the first recipient copy after it, ms; null when none came. */
  readyToFirstDeliveryMs: number | null;
  /** Messages due before ready and not delivered by then: the backlog the restarted engine found. */
  backlogAtReady: number;
  /**
   * From ready until the backlog was drained: the last message due before ready delivered, ms; 0
   * when there was nothing left to deliver, null when some of it never arrived.
   */
  readyToDrainedMs: number | null;
  window: {
    /** Bounds of the window, ms from the kill (the start is negative). */
    fromMs: number;
    toMs: number;
    /** Messages due within the window. */
    messages: number;
    /** Of them: never delivered (and not refused). */
    lost: number;
    /** Due -> recipient's copy, ms, of the window's delivered messages. */
    latency: Percentiles | null;
  };
}

/** The restart's figures from the trial's per-message timeline. */
export function restartFigures(t: Timeline, times: RestartTimes): RestartFigures {
  const from = times.killedAt - WINDOW_BEFORE_KILL_MS;
  const to = times.readyAt + WINDOW_AFTER_READY_MS;
  const latencies = new Float64Array(t.count);
  let inWindow = 0;
  let delivered = 0;
  let lostInWindow = 0;
  let firstAfterReady = Infinity;
  let backlog = 0;
  let drainedAt = times.readyAt;
  let undrained = false;
  for (let seq = 0; seq < t.count; seq++) {
    if (t.refused[seq]) continue;
    const due = t.scheduled[seq];
    const at = t.deliveredAt[seq];
    if (at >= times.readyAt && at < firstAfterReady) firstAfterReady = at;
    if (due < times.readyAt) {
      if (at === 0) undrained = true;
      else if (at > times.readyAt) drainedAt = Math.max(drainedAt, at);
      if (at === 0 || at > times.readyAt) backlog++;
    }
    if (due < from || due > to) continue;
    inWindow++;
    if (at === 0) lostInWindow++;
    else latencies[delivered++] = at - due;
  }
  return {
    killToReadyMs: times.readyAt - times.killedAt,
    readyToFirstDeliveryMs: firstAfterReady === Infinity ? null : firstAfterReady - times.readyAt,
    backlogAtReady: backlog,
    readyToDrainedMs: undrained ? null : drainedAt - times.readyAt,
    window: {
      fromMs: -WINDOW_BEFORE_KILL_MS,
      toMs: to - times.killedAt,
      messages: inWindow,
      lost: lostInWindow,
      latency: percentiles(latencies, delivered),
    },
  };
}
