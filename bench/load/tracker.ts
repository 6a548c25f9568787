import { LatencyProfile, latencyProfile } from '../measure/latency-profile';
import { Timeline } from '../measure/restart-window';
import { percentiles, Percentiles } from '../measure/stats';
import { DeliverySink } from './delivery-sink';
import { seqOf } from './payload';
import { grown } from './typed-arrays';

export interface MessageCounts {
  /** Messages the load generator published. */
  offered: number;
  /** Messages whose recipient got a copy (counted once however many copies came). */
  delivered: number;
  /** Offered, not refused by the engine, and never delivered by the end of the drain. */
  lost: number;
  /** Extra recipient copies of a message already delivered, as the app would see them. */
  duplicated: number;
  /** Recipient copies the SDK dropped as redeliveries (same message_id); engine path only. */
  redeliveredDropped: number;
  /** Copies that reached a user other than the one they were sent to. */
  misrouted: number;
  /** Copies whose text did not come back as sent. */
  corrupted: number;
  /** Messages whose sender got its copy (engine: confirmation; raw: the echo). */
  confirmed: number;
  /** Offered, not refused, and the sender never got its copy. */
  unconfirmed: number;
  /** Messages refused by the engine, by code. */
  rejected: Record<string, number>;
  /** Copies of messages from an earlier trial or run, ignored. */
  stray: number;
  /** Connections lost during the trial. */
  disconnects: number;
}

export interface TrackerSummary {
  counts: MessageCounts;
  /** Send (as scheduled) to the recipient's copy, ms. */
  latency: Percentiles | null;
  /** The same over time (by scheduled send) and as a distribution. */
  latencyProfile: LatencyProfile | null;
  /** Send (as scheduled) to the sender's copy, ms. */
  confirmLatency: Percentiles | null;
  /** How late the generator published behind its schedule, ms. */
  generatorLag: Percentiles | null;
  firstScheduledAt: number;
  lastSentAt: number;
  lastDeliveredAt: number;
}

/**
 * Per-message bookkeeping of one trial, in typed arrays indexed by sequence number (bounded,
 * no per-message objects). Latency is measured from the time a message was *scheduled*, not
 * when the generator got round to publishing it, so a generator that falls behind shows up as
 * latency instead of hiding it (coordinated omission).
 */
export class Tracker implements DeliverySink {
  private capacity: number;
  private from: Int32Array;
  private to: Int32Array;
  private scheduled: Float64Array;
  private received: Uint8Array;
  private confirms: Uint8Array;
  private refused: Uint8Array;
  private latencies: Float64Array;
  /** For each entry of `latencies`: its message's scheduled send, s after the first one's. */
  private latencySentAt: Float64Array;
  /** By sequence number: when the recipient's first copy arrived (0: not yet). */
  private deliveredAt: Float64Array;
  private confirmLatencies: Float64Array;
  private lags: Float64Array;
  private count = 0;
  private deliveredCount = 0;
  private confirmedCount = 0;
  private refusedCount = 0;
  private firstScheduledAt = 0;
  private lastSentAt = 0;
  private lastDeliveredAt = 0;
  private readonly counters = { duplicated: 0, redeliveredDropped: 0, misrouted: 0, corrupted: 0, stray: 0, disconnects: 0 };
  private readonly rejectedByCode: Record<string, number> = {};

  constructor(
    readonly tag: string,
    private readonly textLength: number,
    expected: number,
  ) {
    this.capacity = Math.max(1024, expected);
    this.from = new Int32Array(this.capacity);
    this.to = new Int32Array(this.capacity);
    this.scheduled = new Float64Array(this.capacity);
    this.received = new Uint8Array(this.capacity);
    this.confirms = new Uint8Array(this.capacity);
    this.refused = new Uint8Array(this.capacity);
    this.latencies = new Float64Array(this.capacity);
    this.latencySentAt = new Float64Array(this.capacity);
    this.deliveredAt = new Float64Array(this.capacity);
    this.confirmLatencies = new Float64Array(this.capacity);
    this.lags = new Float64Array(this.capacity);
  }

  get offered(): number {
    return this.count;
  }

  /** Messages still owed a recipient copy or a sender copy. */
  get outstanding(): number {
    return 2 * (this.count - this.refusedCount) - this.deliveredCount - this.confirmedCount;
  }

  /** Sent and not yet delivered (for a closed loop's window). */
  get inFlight(): number {
    return this.count - this.refusedCount - this.deliveredCount;
  }

  get deliveredSoFar(): number {
    return this.deliveredCount;
  }

  /** Records a message about to be published; returns its sequence number. */
  register(from: number, to: number, scheduledAt: number, sentAt: number): number {
    if (this.count === this.capacity) this.grow();
    const seq = this.count++;
    if (seq === 0) this.firstScheduledAt = scheduledAt;
    this.from[seq] = from;
    this.to[seq] = to;
    this.scheduled[seq] = scheduledAt;
    this.lags[seq] = sentAt - scheduledAt;
    this.lastSentAt = sentAt;
    return seq;
  }

  delivered(user: number, id: string | undefined, textLength: number, at: number): void {
    const seq = seqOf(this.tag, id, this.count, this.counters);
    if (seq === null) return;
    if (this.to[seq] !== user) {
      this.counters.misrouted++;
      return;
    }
    if (textLength !== this.textLength) this.counters.corrupted++;
    if (this.received[seq]++ > 0) {
      this.counters.duplicated++;
      return;
    }
    this.latencySentAt[this.deliveredCount] = (this.scheduled[seq] - this.firstScheduledAt) / 1000;
    this.latencies[this.deliveredCount++] = at - this.scheduled[seq];
    this.deliveredAt[seq] = at;
    this.lastDeliveredAt = at;
  }

  confirmed(user: number, id: string | undefined, at: number): void {
    const seq = seqOf(this.tag, id, this.count, this.counters);
    if (seq === null) return;
    if (this.from[seq] !== user) {
      this.counters.misrouted++;
      return;
    }
    if (this.confirms[seq]++ > 0) return;
    this.confirmLatencies[this.confirmedCount++] = at - this.scheduled[seq];
  }

  rejected(_user: number, id: string | undefined, code: string): void {
    this.rejectedByCode[code] = (this.rejectedByCode[code] ?? 0) + 1;
    const seq = seqOf(this.tag, id, this.count, this.counters);
    if (seq !== null && this.refused[seq]++ === 0) this.refusedCount++;
  }

  redelivered(_user: number, id: string | undefined): void {
    if (seqOf(this.tag, id, this.count, this.counters) !== null) this.counters.redeliveredDropped++;
  }

  disconnected(): void {
    this.counters.disconnects++;
  }

  summary(): TrackerSummary {
    let lost = 0;
    let unconfirmed = 0;
    for (let seq = 0; seq < this.count; seq++) {
      if (this.refused[seq]) continue;
      if (!this.received[seq]) lost++;
      if (!this.confirms[seq]) unconfirmed++;
    }
    return {
      counts: {
        offered: this.count,
        delivered: this.deliveredCount,
        lost,
        duplicated: this.counters.duplicated,
        redeliveredDropped: this.counters.redeliveredDropped,
        misrouted: this.counters.misrouted,
        corrupted: this.counters.corrupted,
        confirmed: this.confirmedCount,
        unconfirmed,
        rejected: { ...this.rejectedByCode },
        stray: this.counters.stray,
        disconnects: this.counters.disconnects,
      },
      latency: percentiles(this.latencies, this.deliveredCount),
      latencyProfile: latencyProfile(this.latencySentAt, this.latencies, this.deliveredCount),
      confirmLatency: percentiles(this.confirmLatencies, this.confirmedCount),
      generatorLag: percentiles(this.lags, this.count),
      firstScheduledAt: this.firstScheduledAt,
      lastSentAt: this.lastSentAt,
      lastDeliveredAt: this.lastDeliveredAt,
    };
  }

  /** Each message's due time and first delivery, for figures over a part of the trial (views, not copies). */
  timeline(): Timeline {
    return { count: this.count, scheduled: this.scheduled, deliveredAt: this.deliveredAt, refused: this.refused };
  }


  private grow(): void {
    this.capacity *= 2;
    this.from = grown(this.from);
    this.to = grown(this.to);
    this.scheduled = grown(this.scheduled);
    this.received = grown(this.received);
    this.confirms = grown(this.confirms);
    this.refused = grown(this.refused);
    this.latencies = grown(this.latencies);
    this.latencySentAt = grown(this.latencySentAt);
    this.deliveredAt = grown(this.deliveredAt);
    this.confirmLatencies = grown(this.confirmLatencies);
    this.lags = grown(this.lags);
  }
}
