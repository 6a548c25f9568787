import type { TypingState } from '@app/protocol';

/** At most one indicator per conversation in this long: the engine relays 2 per second (TYPING_RATE_PER_SECOND). */
export const TYPING_MIN_INTERVAL_MS = 500;
/** The same state again within this long is not sent: the peer still shows it (receivers let one lapse after about 6 s). */
export const TYPING_REFRESH_MS = 3000;
/** Conversations remembered at most (the least recently typed in are forgotten first). */
const MAX_CONVERSATIONS = 1000;

interface Conversation {
  sent: TypingState;
  sentAt: number;
  /** The latest state asked for while waiting out the interval: it goes out when the wait ends. */
  pending?: TypingState;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Keeps typing indicators within what the engine relays, per conversation: a repeat of the state
 * last sent is dropped unless it is a refresh (TYPING_REFRESH_MS later), and a change within
 * TYPING_MIN_INTERVAL_MS of the last indicator waits for the interval's end, where the latest
 * state asked for wins (so a `paused` right after `typing` is never lost).
 */
export class TypingThrottle {
  private readonly conversations = new Map<string, Conversation>();

  /** `publish` returns false when it could not send (e.g. offline): nothing is recorded then. */
  constructor(
    private readonly publish: (peer: string, state: TypingState) => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  request(peer: string, state: TypingState): void {
    const c = this.conversations.get(peer);
    if (!c) return this.send(peer, state);
    if (c.timer) {
      c.pending = state;
      return;
    }
    const now = this.now();
    if (state === c.sent && now - c.sentAt < TYPING_REFRESH_MS) return;
    const wait = c.sentAt + TYPING_MIN_INTERVAL_MS - now;
    if (wait <= 0) return this.send(peer, state);
    c.pending = state;
    c.timer = setTimeout(() => {
      c.timer = undefined;
      const latest = c.pending!;
      c.pending = undefined;
      this.request(peer, latest);
    }, wait);
  }

  /** Forgets every conversation and drops what waits (the client is closing). */
  clear(): void {
    for (const c of this.conversations.values()) if (c.timer) clearTimeout(c.timer);
    this.conversations.clear();
  }

  private send(peer: string, state: TypingState): void {
    if (!this.publish(peer, state)) return;
    const old = this.conversations.get(peer);
    if (old?.timer) clearTimeout(old.timer);
    this.conversations.delete(peer); // re-inserted: Map order doubles as the LRU order
    this.conversations.set(peer, { sent: state, sentAt: this.now() });
    if (this.conversations.size > MAX_CONVERSATIONS) {
      const [oldest, c] = this.conversations.entries().next().value as [string, Conversation];
      if (c.timer) clearTimeout(c.timer);
      this.conversations.delete(oldest);
    }
  }
}
