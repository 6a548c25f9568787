import { Injectable } from '@nestjs/common';
import { UsersRepository } from '../users/users.repository';
import { RejectionCode } from '@app/protocol';
import { BlockPairCache } from './block-pair.cache';
import { AppConfig } from '../config';
import { GroupMembershipCache, Membership } from './group-membership.cache';
import { UserState, UserStateCache } from './user-state.cache';
import { RateLimiter } from './rate-limiter';

export interface PolicyRefusal {
  code: RejectionCode;
  reason: string;
  /**
   * Pretend success: the sender gets the usual sent copy and nothing else happens, so they cannot
   * tell they were refused (BLOCK_MODE=silent).
   */
  silent?: boolean;
}

const REGISTERED: UserState = { exists: true, disabled: false };
const DISABLED: PolicyRefusal = { code: RejectionCode.SENDER_DISABLED, reason: 'the sender is disabled' };

/** A group message may go: to these members (the sender among them). */
export interface GroupAudience {
  members: NonNullable<Membership>;
}

/**
 * Decides whether a sender may send a message to a recipient. Everything it consults is held in
 * memory (read through on a miss and kept current by policy events): nothing on this path reads
 * the database per message.
 *
 * The rate limit is checked first and on its own (admit), for every message a sender publishes,
 * valid or not, so refused messages cannot flood the dead-letter queue. Then checkMessage: the
 * sender is disabled, the recipient is unknown (when registration is required), the pair is
 * blocked either way. For a group (checkGroupMessage): the sender is disabled, the group does not
 * exist, the sender is not a member; blocks between users do not apply inside groups.
 */
@Injectable()
export class PolicyService {
  private readonly rateLimiter: RateLimiter;

  constructor(
    private readonly config: AppConfig,
    private readonly users: UserStateCache,
    private readonly blocks: BlockPairCache,
    private readonly groups: GroupMembershipCache,
    private readonly usersRepository: UsersRepository,
  ) {
    this.rateLimiter = new RateLimiter(config.pipeline.rateLimitPerSecond, config.pipeline.rateLimitBurst);
  }

  async checkMessage(sender: string, recipient: string): Promise<PolicyRefusal | null> {
    const { requireRegisteredRecipients, blockMode } = this.config.policy;
    // Looked up together, so a cold cache costs one round of database reads, not three.
    const [from, to, blocked] = await Promise.all([
      this.users.state(sender),
      requireRegisteredRecipients ? this.users.state(recipient) : REGISTERED,
      this.blocks.isBlocked(sender, recipient),
    ]);
    if (from.disabled) return DISABLED;
    if (!to.exists) return { code: RejectionCode.UNKNOWN_RECIPIENT, reason: `user ${recipient} is not registered` };
    if (blocked) {
      return { code: RejectionCode.BLOCKED, reason: 'one of the two users blocks the other', silent: blockMode === 'silent' };
    }
    return null;
  }

  async checkGroupMessage(sender: string, groupId: string): Promise<PolicyRefusal | GroupAudience> {
    const [from, members] = await Promise.all([this.users.state(sender), this.groups.members(groupId)]);
    if (from.disabled) return DISABLED;
    if (!members) return { code: RejectionCode.GROUP_NOT_FOUND, reason: `group ${groupId} does not exist` };
    if (!members.has(sender)) return { code: RejectionCode.NOT_A_MEMBER, reason: `${sender} is not a member of ${groupId}` };
    return { members };
  }

  /** Takes one message from the sender's allowance; a refusal when they are over the rate limit. */
  admit(sender: string): PolicyRefusal | null {
    if (this.rateLimiter.take(sender)) return null;
    return { code: RejectionCode.RATE_LIMITED, reason: `more than ${this.config.pipeline.rateLimitPerSecond} messages per second` };
  }

  /** A disabled user's commands are refused like their messages (SENDER_DISABLED). */
  async checkSender(userId: string): Promise<PolicyRefusal | null> {
    return (await this.users.state(userId)).disabled ? DISABLED : null;
  }

  /** Whether either user blocks the other (presence: they see each other offline). */
  inBlock(a: string, b: string): Promise<boolean> {
    return this.blocks.isBlocked(a, b);
  }

  /** The users in a block with this one, either way (presence: a watch list's first states), from the block cache. */
  blockPartners(userId: string): Promise<ReadonlySet<string>> {
    return this.blocks.partnersOf(userId);
  }

  /** Which of these users are registered (one read; a watch list says which of its users are not). */
  registeredAmong(userIds: string[]): Promise<Set<string>> {
    return this.usersRepository.registered(this.config.appId, userIds);
  }

  /** The sender's registered display name (the engine's word for `sender_fullname`), if registered. */
  async displayName(userId: string): Promise<string | undefined> {
    return (await this.users.state(userId)).displayName;
  }
}
