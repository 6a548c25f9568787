import { Injectable, OnModuleInit } from '@nestjs/common';
import { LoadingCache } from '../common/cache';
import { AppConfig } from '../config';
import { PolicyChange, PolicyChangeListener, PolicyEvents } from './events';
import { BlocksRepository } from '../blocks/blocks.repository';

/**
 * For the message pipeline: is a pair of users blocked either way. Kept per user, as the users in a
 * block with them either way (one read of two indexed queries on a miss), so a sender writing to
 * many peers costs one read, not two lookups per peer; kept current by policy events (PolicyEvents).
 */
@Injectable()
export class BlockPairCache implements PolicyChangeListener, OnModuleInit {
  private readonly partners: LoadingCache<ReadonlySet<string>>;

  constructor(config: AppConfig, repository: BlocksRepository, private readonly events: PolicyEvents) {
    this.partners = new LoadingCache<ReadonlySet<string>>(config.policy.cacheSize, (user) => repository.partnersOf(config.appId, user));
  }

  onModuleInit(): void {
    this.events.subscribe(this);
  }

  async isBlocked(a: string, b: string): Promise<boolean> {
    return (await this.partnersOf(a)).has(b);
  }

  /** The users in a block with this one, either way. */
  partnersOf(user: string): Promise<ReadonlySet<string>> {
    return this.partners.get(user);
  }

  onPolicyChange(change: PolicyChange): void {
    if (change.type === 'block.changed') {
      this.partners.invalidate(change.blocker);
      this.partners.invalidate(change.blocked);
    }
    // Its blocks are gone, from its own entry and from its partners' (a rare event: start again).
    if (change.type === 'user.deleted') this.partners.clear();
  }

  onPolicyReset(): void {
    this.partners.clear();
  }
}
