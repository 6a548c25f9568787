import { ClientErrorCode, ReceiptError } from './errors';

/** Which position a receipt moves: `delivered` (a device received) or `read` (the user saw). */
export type ReceiptKind = 'delivered' | 'read';

/** Publishes one receipt (the client builds the topic and body). */
export type PublishReceipt = (peer: string, kind: ReceiptKind, messageId: string) => void;

interface Waiter {
  resolve: () => void;
  reject: (error: ReceiptError) => void;
}

/** One kind of receipt in one conversation. Message ids sort by time, so "higher" is "later". */
interface Slot {
  /** The highest id this client published (on this or an earlier connection). */
  sent?: string;
  /** The highest id the engine is known to hold: from a notice of the user's own positions. */
  confirmed?: string;
  /** The highest id waiting for its turn (above sent and confirmed). */
  pending?: string;
  /** When the last one was published (ms), for the interval. */
  lastAt: number;
  /** When the pending one was first asked for (ms): a delivered receipt waits an interval from it. */
  askedAt: number;
  timer: ReturnType<typeof setTimeout> | null;
  /** markRead calls waiting for the pending id to be published. */
  waiters: Waiter[];
}

type Conversation = Record<ReceiptKind, Slot>;

const KINDS: readonly ReceiptKind[] = ['delivered', 'read'];

/** Conversations remembered; the oldest idle ones are forgotten beyond it (at worst one receipt goes out again). */
const MAX_CONVERSATIONS = 10_000;

function max(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  return b !== undefined && b > a ? b : a;
}

/**
 * Receipts on their way to the engine, per conversation and kind (docs/receipts.md). The engine
 * keeps positions that only move forward, so a receipt names the highest message seen, and a
 * lower one says nothing new:
 * - coalesced: of the receipts that come while one waits for its turn, only the highest goes out;
 * - monotonic: one at or below what was published, or what the engine told this user's devices it
 *   holds, is not published (a read position also covers the delivered one);
 * - paced: at most one per `intervalMs` per conversation and kind; the first read receipt goes out
 *   at once, a delivered one an interval after it was asked for (a read in between replaces it);
 * - kept across a reconnect: what waits goes out once the connection is back, and so does the last
 *   one published that no notice confirmed (a clean session drops what was in flight; sending it
 *   twice does no harm).
 */
export class PendingReceipts {
  private readonly conversations = new Map<string, Conversation>();
  private online = false;

  constructor(
    private readonly intervalMs: number,
    private readonly publish: PublishReceipt,
  ) {}

  /** Asks for a receipt; it goes out when its turn comes (nothing is published when it says nothing new). */
  add(peer: string, kind: ReceiptKind, messageId: string): void {
    const slot = this.conversation(peer)[kind];
    if (this.covered(peer, kind, messageId) || (slot.pending !== undefined && slot.pending >= messageId)) return;
    if (slot.pending === undefined) slot.askedAt = Date.now();
    slot.pending = messageId;
    this.schedule(peer, kind);
  }

  /** As add(), and resolves once a receipt at or above `messageId` is published (or the engine already holds one). */
  wait(peer: string, kind: ReceiptKind, messageId: string): Promise<void> {
    this.add(peer, kind, messageId);
    const slot = this.conversation(peer)[kind];
    if (slot.pending === undefined || slot.pending < messageId) return Promise.resolve();
    return new Promise((resolve, reject) => slot.waiters.push({ resolve, reject }));
  }

  /** The engine told this user's devices their positions in a conversation: nothing at or below them needs to go out. */
  confirmed(peer: string, positions: { delivered_up_to?: string; read_up_to?: string }): void {
    const c = this.conversation(peer);
    c.delivered.confirmed = max(c.delivered.confirmed, positions.delivered_up_to);
    c.read.confirmed = max(c.read.confirmed, positions.read_up_to);
    for (const kind of KINDS) this.dropCovered(peer, kind);
  }

  /**
   * The engine refused a receipt (it may have been another device's: results reach all of them).
   * Refused for its message id: the engine's position is lower than the one published, so the mark is
   * forgotten and the next receipt goes out whatever its id. Refused for the rate, with no id: the
   * last one published was perhaps dropped, so it waits for its turn again.
   */
  refused(peer: string, kind: ReceiptKind, messageId: string | undefined, rateLimited: boolean): void {
    const c = this.conversations.get(peer);
    const slot = c?.[kind];
    if (!slot || slot.sent === undefined) return;
    if (rateLimited && messageId === undefined) {
      slot.pending = max(slot.pending, slot.sent);
      slot.sent = slot.confirmed;
      slot.lastAt = Date.now();
      this.schedule(peer, kind);
    } else if (messageId === slot.sent) {
      slot.sent = slot.confirmed;
    }
  }

  /** Connected and subscribed: what waits goes out, and after a reconnect also what no notice confirmed. */
  connected(reconnected: boolean): void {
    this.online = true;
    for (const [peer, c] of this.conversations) {
      for (const kind of KINDS) {
        const slot = c[kind];
        if (reconnected && slot.sent !== undefined && (slot.confirmed === undefined || slot.sent > slot.confirmed)) {
          slot.pending = max(slot.pending, slot.sent);
          slot.sent = slot.confirmed;
          slot.lastAt = 0;
        }
        this.schedule(peer, kind);
      }
    }
  }

  /** The connection is gone: receipts wait for the next one. */
  disconnected(): void {
    this.online = false;
  }

  /** The client is closed: nothing more goes out, and markRead calls still waiting fail with CLOSED. */
  close(reason: string): void {
    this.online = false;
    for (const [peer, c] of this.conversations) {
      for (const kind of KINDS) {
        const slot = c[kind];
        if (slot.timer) clearTimeout(slot.timer);
        slot.timer = null;
        const waiters = slot.waiters.splice(0);
        for (const w of waiters) w.reject(new ReceiptError(ClientErrorCode.CLOSED, reason, peer, slot.pending ?? '', true));
        slot.pending = undefined;
      }
    }
  }

  /** Conversations with a receipt waiting for its turn or for the connection. */
  get size(): number {
    let n = 0;
    for (const c of this.conversations.values()) if (c.delivered.pending !== undefined || c.read.pending !== undefined) n++;
    return n;
  }

  /** At or below what was published or what the engine holds (a read position covers delivered too). */
  private covered(peer: string, kind: ReceiptKind, messageId: string): boolean {
    const c = this.conversation(peer);
    let floor = max(c[kind].sent, c[kind].confirmed);
    if (kind === 'delivered') floor = max(floor, max(c.read.sent, c.read.confirmed));
    return floor !== undefined && messageId <= floor;
  }

  /** A pending receipt that became covered is not published; its waiters are settled. */
  private dropCovered(peer: string, kind: ReceiptKind): void {
    const slot = this.conversation(peer)[kind];
    if (slot.pending === undefined || !this.covered(peer, kind, slot.pending)) return;
    slot.pending = undefined;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    for (const w of slot.waiters.splice(0)) w.resolve();
  }

  private schedule(peer: string, kind: ReceiptKind): void {
    const slot = this.conversation(peer)[kind];
    if (!this.online || slot.timer || slot.pending === undefined) return;
    // A delivered receipt waits an interval even when it is the first: a read one asked for in the
    // meantime (the conversation is open) covers it, and one receipt goes out instead of two.
    const from = kind === 'delivered' ? Math.max(slot.lastAt, slot.askedAt) : slot.lastAt;
    const wait = from + this.intervalMs - Date.now();
    if (wait <= 0) return this.flush(peer, kind);
    slot.timer = setTimeout(() => {
      slot.timer = null;
      this.flush(peer, kind);
    }, wait);
  }

  private flush(peer: string, kind: ReceiptKind): void {
    const slot = this.conversation(peer)[kind];
    const id = slot.pending;
    if (!this.online || id === undefined) return;
    slot.pending = undefined;
    slot.sent = id;
    slot.lastAt = Date.now();
    this.publish(peer, kind, id);
    for (const w of slot.waiters.splice(0)) w.resolve();
    if (kind === 'read') this.dropCovered(peer, 'delivered');
  }

  private conversation(peer: string): Conversation {
    let c = this.conversations.get(peer);
    if (c) return c;
    c = { delivered: emptySlot(), read: emptySlot() };
    this.conversations.set(peer, c);
    if (this.conversations.size > MAX_CONVERSATIONS) this.forgetOldestIdle(peer);
    return c;
  }

  private forgetOldestIdle(keep: string): void {
    for (const [peer, c] of this.conversations) {
      if (peer !== keep && KINDS.every((k) => c[k].pending === undefined && c[k].timer === null && c[k].waiters.length === 0)) {
        this.conversations.delete(peer);
        return;
      }
    }
  }
}

function emptySlot(): Slot {
  return { lastAt: 0, askedAt: 0, timer: null, waiters: [] };
}
