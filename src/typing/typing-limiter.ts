import { RateLimiter } from '../policy/rate-limiter';

/** How many times the per-conversation rate and burst a user gets across all their conversations. */
export const USER_TYPING_FACTOR = 5;

/** Conversations (user and peer) and users each limiter remembers at most: the least recently seen are forgotten first. */
const MAX_KEYS = 100_000;

/**
 * The typing rate, apart from the message rate: per user and conversation (`ratePerSecond`,
 * `burst`), so a typist cannot flood one peer or group, and per user across all their
 * conversations (USER_TYPING_FACTOR times both), so they cannot flood many. Memory is bounded by
 * the token buckets' LRU.
 */
export class TypingLimiter {
  private readonly conversations: RateLimiter;
  private readonly users: RateLimiter;

  constructor(ratePerSecond: number, burst: number, now: () => number = Date.now) {
    this.conversations = new RateLimiter(ratePerSecond, burst, MAX_KEYS, now);
    this.users = new RateLimiter(ratePerSecond * USER_TYPING_FACTOR, burst * USER_TYPING_FACTOR, MAX_KEYS, now);
  }

  /** Takes one indicator from the conversation's and the user's allowance; false when either is spent. */
  admit(user: string, peer: string): boolean {
    // `/` is in no user or group id, so the key names one conversation.
    return this.conversations.take(`${user}/${peer}`) && this.users.take(user);
  }
}
