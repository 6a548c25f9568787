import { Injectable } from '@nestjs/common';
import { LoadingCache } from '../common/cache';
import { AppConfig } from '../config';
import { PolicyChange, PolicyChangeListener, PolicyEvents } from '../policy-events';
import { UsersRepository } from './users.repository';

export interface UserState {
  exists: boolean;
  disabled: boolean;
}

// Shared, frozen values: a cache of many users holds references, not copies.
const UNKNOWN: UserState = Object.freeze({ exists: false, disabled: false });
const ACTIVE: UserState = Object.freeze({ exists: true, disabled: false });
const DISABLED: UserState = Object.freeze({ exists: true, disabled: true });

/**
 * What the message pipeline knows of users: whether each exists and is disabled. Read through
 * from the database by `_id` on a miss; "no such user" is cached too, until the user is created.
 * Kept current by policy events (PolicyEvents).
 */
@Injectable()
export class UserStateCache implements PolicyChangeListener {
  private readonly cache: LoadingCache<UserState>;

  constructor(config: AppConfig, repository: UsersRepository, events: PolicyEvents) {
    this.cache = new LoadingCache(config.policy.cacheSize, async (userId) => {
      const found = await repository.findState(config.appId, userId);
      if (!found) return UNKNOWN;
      return found.disabled ? DISABLED : ACTIVE;
    });
    events.subscribe(this);
  }

  state(userId: string): Promise<UserState> {
    return this.cache.get(userId);
  }

  onPolicyChange(change: PolicyChange): void {
    if (change.type === 'user.changed' || change.type === 'user.deleted') this.cache.invalidate(change.user_id);
  }

  onPolicyReset(): void {
    this.cache.clear();
  }
}
