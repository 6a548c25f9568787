import { Injectable, OnModuleInit } from '@nestjs/common';
import { pairKey, usersOfPair } from '@app/protocol';
import { LoadingCache } from '../common/cache';
import { AppConfig } from '../config';
import { PolicyChange, PolicyChangeListener, PolicyEvents } from './events';
import { BlocksRepository } from '../blocks/blocks.repository';

/**
 * For the message pipeline: is a pair of users blocked either way. Read through from the
 * database on a miss (two `_id` lookups), kept current by policy events (PolicyEvents).
 */
@Injectable()
export class BlockPairCache implements PolicyChangeListener, OnModuleInit {
  private readonly cache: LoadingCache<boolean>;

  constructor(config: AppConfig, repository: BlocksRepository, private readonly events: PolicyEvents) {
    this.cache = new LoadingCache(config.policy.cacheSize, async (key) => {
      const [a, b] = usersOfPair(key);
      const [ab, ba] = await Promise.all([repository.exists(config.appId, a, b), repository.exists(config.appId, b, a)]);
      return ab || ba;
    });
  }

  onModuleInit(): void {
    this.events.subscribe(this);
  }

  isBlocked(a: string, b: string): Promise<boolean> {
    return this.cache.get(pairKey(a, b));
  }

  onPolicyChange(change: PolicyChange): void {
    if (change.type === 'block.changed') this.cache.invalidate(pairKey(change.blocker, change.blocked));
    if (change.type === 'user.deleted') this.cache.invalidateWhere((key) => usersOfPair(key).includes(change.user_id));
  }

  onPolicyReset(): void {
    this.cache.clear();
  }
}
