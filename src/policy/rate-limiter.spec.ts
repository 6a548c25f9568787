import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows a burst, then the sustained rate', () => {
    let now = 0;
    const limiter = new RateLimiter(10, 5, 100, () => now);
    const burst = Array.from({ length: 7 }, () => limiter.take('a'));
    expect(burst).toEqual([true, true, true, true, true, false, false]);
    now += 100; // 10/s -> one token per 100 ms
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('a')).toBe(false);
  });

  it('keeps keys apart and forgets the least recently used beyond maxKeys', () => {
    const now = 0;
    const limiter = new RateLimiter(1, 1, 2, () => now);
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('b')).toBe(true);
    expect(limiter.take('a')).toBe(false);
    limiter.take('c'); // evicts b, the least recently used
    expect(limiter.take('b')).toBe(true);
  });

  it('is off with a rate of 0', () => {
    const limiter = new RateLimiter(0, 1);
    expect(Array.from({ length: 10 }, () => limiter.take('a')).every(Boolean)).toBe(true);
  });
});
