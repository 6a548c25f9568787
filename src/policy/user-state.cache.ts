import { Injectable, OnModuleInit } from '@nestjs/common';
import { LoadingCache } from '../common/cache';
import { AppConfig } from '../config';
import { PolicyChange, PolicyChangeListener, PolicyEvents } from './events';
import { UsersRepository } from '../users/users.repository';

export interface UserState {
  exists: boolean;
  disabled: boolean;
  /** The registered display name: what the engine puts in `sender_fullname`. */
  displayName?: string;
}

// A shared, frozen value: most users a cache holds "no such user" for are the same.
const UNKNOWN: UserState = Object.freeze({ exists: false, disabled: false });

/**
 * What the message pipeline knows of users: whether each exists and is disabled, and its name. Read through
 * from the database by `_id` on a miss; "no such user" is cached too, until the user is created.
 * Kept current by policy events (PolicyEvents).
 */
@Injectable()
export class UserStateCache implements PolicyChangeListener, OnModuleInit {
  private readonly cache: LoadingCache<UserState>;

  constructor(config: AppConfig, repository: UsersRepository, private readonly events: PolicyEvents) {
    this.cache = new LoadingCache(config.policy.cacheSize, async (userId) => {
      const found = await repository.findState(config.appId, userId);
      if (!found) return UNKNOWN;
      return { exists: true, disabled: found.disabled, displayName: found.display_name };
    });
  }

  onModuleInit(): void {
    this.events.subscribe(this);
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
