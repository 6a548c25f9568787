import { LatencyProfile, latencyProfile } from '../measure/latency-profile';
import { percentiles, Percentiles } from '../measure/stats';
import { seqOf } from './payload';
import { grown } from './typed-arrays';

/** The groups of one fan-out trial: `groups` groups of `members` members each. */
export interface GroupShape {
  groups: number;
  members: number;
}

/**
 * Who is where in a fan-out trial: user index u is member u % members of group
 * floor(u / members); member 0 of each group is its sender.
 */
export function groupOf(shape: GroupShape, user: number): number {
  return Math.floor(user / shape.members);
}

export function senderOf(shape: GroupShape, group: number): number {
  return group * shape.members;
}

export interface FanoutCounts {
  /** Messages the generator published (one per group message). */
  offered: number;
  /** Messages every member of the group received. */
  complete: number;
  /** offered x members, less the refused messages' share. */
  deliveriesExpected: number;
  /** Copies that reached a member of the message's group, each member counted once per message. */
  deliveries: number;
  /** Expected deliveries that never came by the end of the drain. */
  lostDeliveries: number;
  /** Messages with at least one member missing. */
  incomplete: number;
  /** Further copies of a message to a member that already had it. */
  duplicatedDeliveries: number;
  /** Copies that reached a user outside the message's group. */
  misrouted: number;
  /** Copies whose text did not come back with its length as sent. */
  corrupted: number;
  /** Messages refused by the engine, by code (not lost: refused). */
  rejected: Record<string, number>;
  /** Copies of messages from an earlier trial or run, ignored. */
  stray: number;
  /** Connections lost during the trial. */
  disconnects: number;
}

export interface FanoutSummary {
  counts: FanoutCounts;
  /** From the message's scheduled send to the last member's copy, over complete messages (ms). */
  lastReceipt: Percentiles | null;
  /** The same over time (by scheduled send) and as a distribution. */
  lastReceiptProfile: LatencyProfile | null;
  /** From the scheduled send to the first member's copy (ms). */
  firstReceipt: Percentiles | null;
  /** How late the generator published behind its schedule (ms). */
  generatorLag: Percentiles | null;
  firstScheduledAt: number;
  lastDeliveredAt: number;
}

/** What the fan-out paths report about each copy they receive. */
export interface FanoutSink {
  delivered(user: number, id: string | undefined, textLength: number, at: number): void;
  rejected(user: number, id: string | undefined, code: string): void;
  disconnected(user: number): void;
}

/**
 * Per-message bookkeeping of a fan-out trial in typed arrays indexed by sequence number: the
 * group, the scheduled time, how many members have it, the first and last receipt, and one bit
 * per member so a second copy to the same member is a duplicate, not a delivery. Latency runs
 * from the *scheduled* send (coordinated omission, as in Tracker) to the last member's copy.
 */
export class FanoutTracker implements FanoutSink {
  private capacity: number;
  private readonly bytesPerMessage: number;
  private group: Int32Array;
  private scheduled: Float64Array;
  private lags: Float64Array;
  private receivedBy: Int32Array;
  private first: Float64Array;
  private last: Float64Array;
  private refused: Uint8Array;
  private seen: Uint8Array;
  private count = 0;
  private deliveries = 0;
  private completeCount = 0;
  private refusedCount = 0;
  private firstScheduledAt = 0;
  private lastDeliveredAt = 0;
  private readonly counters = { duplicatedDeliveries: 0, misrouted: 0, corrupted: 0, stray: 0, disconnects: 0 };
  private readonly rejectedByCode: Record<string, number> = {};

  constructor(
    readonly tag: string,
    readonly shape: GroupShape,
    private readonly textLength: number,
    expected: number,
  ) {
    this.bytesPerMessage = Math.ceil(shape.members / 8);
    this.capacity = Math.max(256, expected);
    this.group = new Int32Array(this.capacity);
    this.scheduled = new Float64Array(this.capacity);
    this.lags = new Float64Array(this.capacity);
    this.receivedBy = new Int32Array(this.capacity);
    this.first = new Float64Array(this.capacity);
    this.last = new Float64Array(this.capacity);
    this.refused = new Uint8Array(this.capacity);
    this.seen = new Uint8Array(this.capacity * this.bytesPerMessage);
  }

  get offered(): number {
    return this.count;
  }

  get deliveriesSoFar(): number {
    return this.deliveries;
  }

  /** Deliveries still owed to members (the drain waits for none). */
  get outstanding(): number {
    return (this.count - this.refusedCount) * this.shape.members - this.deliveries;
  }

  /** Messages sent, not refused, and not yet at every member (a closed loop's window). */
  get inFlight(): number {
    return this.count - this.refusedCount - this.completeCount;
  }

  /** Records a message about to be published to `group`; returns its sequence number. */
  register(group: number, scheduledAt: number, sentAt: number): number {
    if (this.count === this.capacity) this.grow();
    const seq = this.count++;
    if (seq === 0) this.firstScheduledAt = scheduledAt;
    this.group[seq] = group;
    this.scheduled[seq] = scheduledAt;
    this.lags[seq] = sentAt - scheduledAt;
    return seq;
  }

  delivered(user: number, id: string | undefined, textLength: number, at: number): void {
    const seq = seqOf(this.tag, id, this.count, this.counters);
    if (seq === null) return;
    if (groupOf(this.shape, user) !== this.group[seq]) {
      this.counters.misrouted++;
      return;
    }
    if (textLength !== this.textLength) this.counters.corrupted++;
    const member = user % this.shape.members;
    const byte = seq * this.bytesPerMessage + (member >> 3);
    const bit = 1 << (member & 7);
    if (this.seen[byte] & bit) {
      this.counters.duplicatedDeliveries++;
      return;
    }
    this.seen[byte] |= bit;
    this.deliveries++;
    this.lastDeliveredAt = at;
    if (this.receivedBy[seq]++ === 0) this.first[seq] = at;
    this.last[seq] = at;
    if (this.receivedBy[seq] === this.shape.members) this.completeCount++;
  }

  rejected(_user: number, id: string | undefined, code: string): void {
    this.rejectedByCode[code] = (this.rejectedByCode[code] ?? 0) + 1;
    const seq = seqOf(this.tag, id, this.count, this.counters);
    if (seq !== null && this.refused[seq]++ === 0) this.refusedCount++;
  }

  disconnected(): void {
    this.counters.disconnects++;
  }

  summary(): FanoutSummary {
    const lastReceipts = new Float64Array(this.completeCount);
    const completeSentAt = new Float64Array(this.completeCount);
    const firstReceipts = new Float64Array(this.count);
    let complete = 0;
    let reached = 0;
    let incomplete = 0;
    let lostDeliveries = 0;
    let expected = 0;
    for (let seq = 0; seq < this.count; seq++) {
      if (this.receivedBy[seq] > 0) firstReceipts[reached++] = this.first[seq] - this.scheduled[seq];
      if (this.refused[seq]) continue;
      expected += this.shape.members;
      const missing = this.shape.members - this.receivedBy[seq];
      if (missing === 0) {
        completeSentAt[complete] = (this.scheduled[seq] - this.firstScheduledAt) / 1000;
        lastReceipts[complete++] = this.last[seq] - this.scheduled[seq];
      } else {
        incomplete++;
        lostDeliveries += missing;
      }
    }
    return {
      counts: {
        offered: this.count,
        complete,
        deliveriesExpected: expected,
        deliveries: this.deliveries,
        lostDeliveries,
        incomplete,
        duplicatedDeliveries: this.counters.duplicatedDeliveries,
        misrouted: this.counters.misrouted,
        corrupted: this.counters.corrupted,
        rejected: { ...this.rejectedByCode },
        stray: this.counters.stray,
        disconnects: this.counters.disconnects,
      },
      lastReceipt: percentiles(lastReceipts, complete),
      lastReceiptProfile: latencyProfile(completeSentAt, lastReceipts, complete),
      firstReceipt: percentiles(firstReceipts, reached),
      generatorLag: percentiles(this.lags, this.count),
      firstScheduledAt: this.firstScheduledAt,
      lastDeliveredAt: this.lastDeliveredAt,
    };
  }


  private grow(): void {
    this.capacity *= 2;
    this.group = grown(this.group);
    this.scheduled = grown(this.scheduled);
    this.lags = grown(this.lags);
    this.receivedBy = grown(this.receivedBy);
    this.first = grown(this.first);
    this.last = grown(this.last);
    this.refused = grown(this.refused);
    this.seen = grown(this.seen);
  }
}
