import { backoffCeiling, backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const options = { initialMs: 100, maxMs: 1000 };

  it('doubles per attempt between half and all of the ceiling', () => {
    expect(backoffDelay(1, options, () => 0)).toBe(50);
    expect(backoffDelay(1, options, () => 1)).toBe(100);
    expect(backoffDelay(3, options, () => 0)).toBe(200);
    expect(backoffDelay(3, options, () => 1)).toBe(400);
  });

  it('never exceeds maxMs', () => {
    expect(backoffDelay(50, options, () => 1)).toBe(1000);
  });

  it('jitters with Math.random by default, within the bounds', () => {
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelay(2, options);
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(200);
    }
  });

  it('without jitter (backoffCeiling): doubles from initialMs, at most maxMs', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffCeiling(n, { initialMs: 500, maxMs: 3000 }))).toEqual([500, 1000, 2000, 3000, 3000]);
  });
});
