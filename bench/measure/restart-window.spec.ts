import { restartFigures, Timeline, WINDOW_AFTER_READY_MS, WINDOW_BEFORE_KILL_MS } from './restart-window';

/** A timeline from [due, delivered-at (0: never), refused?] triples. */
function timeline(messages: Array<[number, number, boolean?]>): Timeline {
  return {
    count: messages.length,
    scheduled: Float64Array.from(messages.map((m) => m[0])),
    deliveredAt: Float64Array.from(messages.map((m) => m[1])),
    refused: Uint8Array.from(messages.map((m) => (m[2] ? 1 : 0))),
  };
}

const times = { killedAt: 10_000, readyAt: 14_000 };

describe('restartFigures', () => {
  it('times the restart: kill -> ready, ready -> first delivery after it, ready -> the last message due before ready delivered', () => {
    const f = restartFigures(
      timeline([
        [9_000, 9_005], // before the kill, delivered at once: not backlog
        [9_900, 15_500], // held by the killed engine, redelivered after the restart
        [12_000, 17_000], // sent while the engine was down
        [14_500, 14_700], // after ready: the first delivery after it, but not backlog
      ]),
      times,
    );
    expect(f.killToReadyMs).toBe(4_000);
    expect(f.readyToFirstDeliveryMs).toBe(700);
    expect(f.backlogAtReady).toBe(2);
    expect(f.readyToDrainedMs).toBe(3_000);
  });

  it('counts the window from 2 s before the kill to 10 s after ready, its latencies and losses', () => {
    const from = times.killedAt - WINDOW_BEFORE_KILL_MS;
    const to = times.readyAt + WINDOW_AFTER_READY_MS;
    const f = restartFigures(
      timeline([
        [from - 1, from + 100_000], // before the window: its huge latency is not counted
        [from, from + 10],
        [12_000, 15_000],
        [20_000, 0], // never delivered: lost
        [to, to + 30],
        [to + 1, 0], // after the window
      ]),
      times,
    );
    expect(f.window).toMatchObject({ fromMs: -WINDOW_BEFORE_KILL_MS, toMs: to - times.killedAt, messages: 4, lost: 1 });
    expect(f.window.latency).toMatchObject({ count: 3, p50: 30, max: 3_000 });
    // The drain is over every message due before ready, in the window or not.
    expect(f.readyToDrainedMs).toBe(from + 100_000 - times.readyAt);
  });

  it('says the backlog never drained when a message due before ready never arrived, and ignores refused messages', () => {
    expect(restartFigures(timeline([[12_000, 0]]), times).readyToDrainedMs).toBeNull();
    const refused = restartFigures(timeline([[12_000, 0, true]]), times);
    expect(refused).toMatchObject({ readyToDrainedMs: 0, backlogAtReady: 0, readyToFirstDeliveryMs: null, window: { messages: 0, lost: 0, latency: null } });
  });
});
