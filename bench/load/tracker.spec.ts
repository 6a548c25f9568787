import { clientMessageId } from './payload';
import { Tracker } from './tracker';

const id = (seq: number, tag = 't1') => clientMessageId(tag, seq);

describe('Tracker', () => {
  function threeSent(): Tracker {
    const t = new Tracker('t1', 10, 3);
    t.register(0, 1, 1000, 1000); // seq 0: user 0 -> 1
    t.register(1, 0, 1010, 1012); // seq 1: user 1 -> 0, published 2 ms late
    t.register(0, 1, 1020, 1020); // seq 2
    return t;
  }

  it('counts delivered, lost, and latency from the scheduled time', () => {
    const t = threeSent();
    t.delivered(1, id(0), 10, 1005);
    t.delivered(0, id(1), 10, 1030);
    const s = t.summary();
    expect(s.counts).toMatchObject({ offered: 3, delivered: 2, lost: 1, duplicated: 0 });
    expect(s.latency).toMatchObject({ count: 2, p50: 5, max: 20 });
    expect(s.generatorLag).toMatchObject({ max: 2 });
  });

  it('profiles latency by scheduled send time (s after the first), from the same samples', () => {
    const t = threeSent();
    t.delivered(0, id(1), 10, 1030); // scheduled 10 ms after the first, 20 ms latency
    t.delivered(1, id(0), 10, 1005);
    const p = t.summary().latencyProfile!;
    expect(p.timeline).toEqual([{ t: 0, count: 2, p50: 5, p99: 20, max: 20 }]);
    expect(p.cdf[0]).toEqual([5, 0.5]);
    expect(p.cdf[p.cdf.length - 1]).toEqual([20, 1]);
    expect(new Tracker('t1', 10, 1).summary().latencyProfile).toBeNull();
  });

  it('counts a second copy as a duplicate, not as another delivery', () => {
    const t = threeSent();
    t.delivered(1, id(0), 10, 1005);
    t.delivered(1, id(0), 10, 1050);
    expect(t.summary().counts).toMatchObject({ delivered: 1, duplicated: 1 });
    expect(t.summary().latency?.max).toBe(5);
  });

  it('counts copies that reach the wrong user as misrouted, not delivered', () => {
    const t = threeSent();
    t.delivered(0, id(0), 10, 1005); // seq 0 was for user 1
    t.confirmed(1, id(0), 1005); // and was sent by user 0
    expect(t.summary().counts).toMatchObject({ delivered: 0, misrouted: 2, lost: 3, confirmed: 0 });
  });

  it('counts changed text as corrupted', () => {
    const t = threeSent();
    t.delivered(1, id(0), 9, 1005);
    expect(t.summary().counts.corrupted).toBe(1);
  });

  it('ignores copies of other trials and unknown ids as stray', () => {
    const t = threeSent();
    t.delivered(1, id(0, 't0'), 10, 1005);
    t.delivered(1, id(99), 10, 1005);
    t.delivered(1, undefined, 10, 1005);
    expect(t.summary().counts).toMatchObject({ delivered: 0, stray: 3 });
  });

  it('does not count refused messages as lost or unconfirmed', () => {
    const t = threeSent();
    t.rejected(0, id(2), 'RATE_LIMITED');
    t.delivered(1, id(0), 10, 1005);
    t.confirmed(0, id(0), 1004);
    t.delivered(0, id(1), 10, 1030);
    t.confirmed(1, id(1), 1030);
    expect(t.summary().counts).toMatchObject({ lost: 0, unconfirmed: 0, rejected: { RATE_LIMITED: 1 } });
    expect(t.outstanding).toBe(0);
  });

  it('tracks what is still owed for the drain and the closed-loop window', () => {
    const t = threeSent();
    expect(t.outstanding).toBe(6);
    expect(t.inFlight).toBe(3);
    t.delivered(1, id(0), 10, 1005);
    t.confirmed(0, id(0), 1004);
    expect(t.outstanding).toBe(4);
    expect(t.inFlight).toBe(2);
  });

  it('grows past its first capacity without losing records', () => {
    const t = new Tracker('t1', 10, 1);
    for (let i = 0; i < 3000; i++) t.register(0, 1, i, i);
    t.delivered(1, id(2999), 10, 3000);
    t.delivered(1, id(0), 10, 7);
    expect(t.summary().counts).toMatchObject({ offered: 3000, delivered: 2 });
    expect(t.summary().latency).toMatchObject({ p50: 1, max: 7 });
  });
});
