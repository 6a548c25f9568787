import { randomBytes } from 'node:crypto';
import { PathName } from '../config/bench-config';
import { FanoutMembers } from '../load/fanout-path';
import { FanoutCounts, FanoutTracker, GroupShape } from '../load/fanout-tracker';
import { body, clientMessageId, textFor } from '../load/payload';
import { LatencyProfile } from '../measure/latency-profile';
import { Percentiles } from '../measure/stats';
import { Measured } from './measurement';
import { PacedRunContext, runPaced, sentStatus } from './paced-run';
import { expectedCount, TrialPlan } from './trial';

export interface FanoutTrialContext extends PacedRunContext {
  members: FanoutMembers;
  payloadBytes: number;
}

export interface FanoutTrialResult extends Measured {
  path: PathName;
  label: string;
  shape: GroupShape;
  offeredRate: number | 'max';
  counts: FanoutCounts;
  /** How long the generator was sending (s). */
  sendSeconds: number;
  /** Group messages offered per second, as achieved. */
  sendRate: number;
  /** Messages at every member per second, and deliveries per second, from the first scheduled send to the last delivery. */
  messageRate: number;
  deliveryRate: number;
  /** Scheduled send to the last member's copy (complete messages), and to the first member's. */
  lastReceipt: Percentiles | null;
  /** Send -> last member over time and as a distribution (the picture's data). */
  lastReceiptProfile: LatencyProfile | null;
  firstReceipt: Percentiles | null;
  generatorLag: Percentiles | null;
  drainSeconds: number;
  drainTimedOut: boolean;
}

/**
 * One measured fan-out trial: the groups' senders publish in turn (message k from group
 * k % groups), every member counts its copies, and the trial ends once every member has every
 * message (or the drain timeout).
 */
export async function runFanoutTrial(ctx: FanoutTrialContext, plan: TrialPlan): Promise<FanoutTrialResult> {
  const shape = ctx.members.shape;
  // A new tag per trial: copies of earlier trials still in flight are told apart as stray.
  const tag = randomBytes(3).toString('hex');
  const text = textFor(ctx.payloadBytes, tag);
  const tracker = new FanoutTracker(tag, shape, text.length, expectedCount(plan));
  ctx.members.sink = tracker;

  const { paced, drainSeconds, drainTimedOut, measured } = await runPaced(ctx, plan, {
    send: (k, scheduledAt) => {
      const group = k % shape.groups;
      const seq = tracker.register(group, scheduledAt, performance.now());
      ctx.members.send(group, body(text, clientMessageId(tag, seq)));
    },
    inFlight: () => tracker.inFlight,
    outstanding: () => tracker.outstanding,
    status: (elapsed) =>
      `${sentStatus(elapsed, tracker.offered)}  deliveries ${tracker.deliveriesSoFar.toLocaleString('en-US')}  owed ${tracker.outstanding.toLocaleString('en-US')}`,
  });

  const s = tracker.summary();
  const sendSeconds = (paced.endedAt - paced.startedAt) / 1000;
  const deliverySeconds = (s.lastDeliveredAt - s.firstScheduledAt) / 1000;
  const per = (n: number) => (deliverySeconds > 0 ? n / deliverySeconds : 0);
  return {
    path: ctx.path,
    label: plan.label,
    shape,
    offeredRate: plan.rate,
    counts: s.counts,
    sendSeconds,
    sendRate: sendSeconds > 0 ? s.counts.offered / sendSeconds : 0,
    messageRate: per(s.counts.complete),
    deliveryRate: per(s.counts.deliveries),
    lastReceipt: s.lastReceipt,
    lastReceiptProfile: s.lastReceiptProfile,
    firstReceipt: s.firstReceipt,
    generatorLag: s.generatorLag,
    drainSeconds,
    drainTimedOut,
    ...measured,
  };
}
