import { FixedWindowLimiter } from './fixed-window-limiter';

describe('FixedWindowLimiter', () => {
  let now: number;
  const limiter = (limit: number) => new FixedWindowLimiter(limit, 60_000, () => now);

  beforeEach(() => {
    now = 1_000 * 60_000; // the start of a window
  });

  it('allows `limit` hits per key in a window, then refuses with the seconds left in it', () => {
    const l = limiter(3);
    expect([l.hit('a'), l.hit('a'), l.hit('a')]).toEqual(Array(3).fill({ allowed: true }));
    now += 15_500;
    expect(l.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 45 });
    expect(l.hit('b')).toEqual({ allowed: true }); // keys are counted apart
  });

  it('starts afresh in the next window', () => {
    const l = limiter(1);
    expect(l.hit('a').allowed).toBe(true);
    now += 59_999;
    expect(l.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 1;
    expect(l.hit('a').allowed).toBe(true);
    expect(l.hit('a').allowed).toBe(false);
  });

  it('never limits with a limit of 0', () => {
    const l = limiter(0);
    expect(l.enabled).toBe(false);
    for (let i = 0; i < 1000; i++) expect(l.hit('a').allowed).toBe(true);
  });
});
