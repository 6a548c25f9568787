import { TypingLimiter, USER_TYPING_FACTOR } from './typing-limiter';

describe('TypingLimiter', () => {
  it('lets a burst through per conversation, then the rate', () => {
    let now = 0;
    const limiter = new TypingLimiter(2, 3, () => now);
    const burst = Array.from({ length: 20 }, () => limiter.admit('alice', 'bob'));
    expect(burst.filter(Boolean)).toHaveLength(3);
    now += 500; // one more token at 2 per second
    expect(limiter.admit('alice', 'bob')).toBe(true);
    expect(limiter.admit('alice', 'bob')).toBe(false);
  });

  it('keeps conversations apart: one spent does not stop another, nor another typist', () => {
    const limiter = new TypingLimiter(2, 3, () => 0);
    for (let i = 0; i < 3; i++) limiter.admit('alice', 'bob');
    expect(limiter.admit('alice', 'bob')).toBe(false);
    expect(limiter.admit('alice', 'group-1')).toBe(true);
    expect(limiter.admit('carol', 'bob')).toBe(true);
  });

  it('bounds a user across all their conversations', () => {
    const limiter = new TypingLimiter(2, 3, () => 0);
    const admitted = Array.from({ length: 100 }, (_, i) => limiter.admit('alice', `peer-${i}`)).filter(Boolean);
    expect(admitted).toHaveLength(3 * USER_TYPING_FACTOR);
    expect(limiter.admit('bob', 'alice')).toBe(true);
  });
});
