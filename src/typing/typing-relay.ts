import { Injectable } from '@nestjs/common';
import { isValidGroupId, RejectionCode, TopicLayout, TypingNotice, TypingState } from '@app/protocol';
import { AppConfig } from '../config';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyService } from '../policy/policy.service';
import { TypingLimiter } from './typing-limiter';

/**
 * How long a typing notice may wait in a queue (an offline or slow subscriber's) before the broker
 * drops it: a late indicator is worse than none, and clients let one lapse after about this long.
 */
export const TYPING_NOTICE_TTL_MS = 5000;

/**
 * What became of one typing indicator; anything but `relayed` is dropped without a word to the
 * typist (a dropped indicator must not tell them they are blocked). The policy refusals are the
 * pipeline's codes, lower-cased; `refused` any other (all bounded metric labels).
 */
export type TypingDisposition =
  | 'relayed'
  | 'rate_limited'
  | 'self'
  | 'sender_disabled'
  | 'unknown_recipient'
  | 'blocked'
  | 'group_not_found'
  | 'not_a_member'
  | 'refused'
  | 'group_too_large'
  | 'publish_failed';

const POLICY_REFUSALS: Partial<Record<RejectionCode, TypingDisposition>> = {
  [RejectionCode.SENDER_DISABLED]: 'sender_disabled',
  [RejectionCode.UNKNOWN_RECIPIENT]: 'unknown_recipient',
  [RejectionCode.BLOCKED]: 'blocked',
  [RejectionCode.GROUP_NOT_FOUND]: 'group_not_found',
  [RejectionCode.NOT_A_MEMBER]: 'not_a_member',
};

function refusedAs(code: RejectionCode): TypingDisposition {
  return POLICY_REFUSALS[code] ?? 'refused';
}

/**
 * Relays "user is typing" (docs/receipts.md#typing): to the peer of a direct conversation, or to
 * every other member of a group. Never stored, and it writes nothing: the rules read only the
 * policy caches (users, blocks, group memberships), and the notice is published as a transient,
 * QoS 0 message that expires in queues.
 */
@Injectable()
export class TypingRelay {
  private readonly limiter: TypingLimiter;
  private readonly maxGroupMembers: number;

  constructor(
    config: AppConfig,
    private readonly topics: TopicLayout,
    private readonly policy: PolicyService,
    private readonly delivery: DeliveryPublisher,
    private readonly metrics: MetricsService,
  ) {
    this.limiter = new TypingLimiter(config.typing.ratePerSecond, config.typing.burst);
    this.maxGroupMembers = config.typing.maxGroupMembers;
  }

  /**
   * Counts the indicator against the typist's typing rate; false when over it. Apart from relay(),
   * so a door can take the allowance before it reads the body (malformed ones count too).
   */
  admit(user: string, peer: string): boolean {
    return this.limiter.admit(user, peer);
  }

  /** Relays `user`'s state to `peer` (a user or a group), if the policy lets it. */
  async relay(user: string, peer: string, state: TypingState): Promise<TypingDisposition> {
    if (peer === user) return 'self';
    const group = isValidGroupId(peer);
    const audience = group ? await this.groupAudience(user, peer) : await this.directAudience(user, peer);
    if (typeof audience === 'string') return audience;
    const notice: TypingNotice = { user, state, timestamp: Date.now() };
    const body = this.delivery.body(notice);
    // Each recipient hears it in their conversation: with the typist, or in the group.
    const conversation = group ? peer : user;
    const requests = audience.map((owner) => this.delivery.transientRequestTo(this.topics.typingUpdated(owner, conversation), body, TYPING_NOTICE_TTL_MS));
    try {
      await this.delivery.publishAll(requests);
    } catch {
      // Not retried: by the time a retry got through, the indicator would be stale.
      return 'publish_failed';
    }
    this.metrics.typingNotices.inc(requests.length);
    return 'relayed';
  }

  /** The peer, unless the typist is disabled, the peer unknown, or either blocks the other. */
  private async directAudience(user: string, peer: string): Promise<string[] | TypingDisposition> {
    const refusal = await this.policy.checkMessage(user, peer);
    return refusal ? refusedAs(refusal.code) : [peer];
  }

  /** The group's other members, if the typist is one and the group is small enough. Blocks do not apply in groups (as for messages). */
  private async groupAudience(user: string, groupId: string): Promise<string[] | TypingDisposition> {
    const checked = await this.policy.checkGroupMessage(user, groupId);
    if ('code' in checked) return refusedAs(checked.code);
    if (checked.members.size > this.maxGroupMembers) return 'group_too_large';
    return [...checked.members.keys()].filter((member) => member !== user);
  }
}
