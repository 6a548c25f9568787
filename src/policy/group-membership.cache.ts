import { Injectable, OnModuleInit } from '@nestjs/common';
import type { GroupRole } from '@app/protocol';
import { LoadingCache } from '../common/cache';
import { AppConfig } from '../config';
import { GroupsRepository } from '../groups/groups.repository';
import { PolicyChange, PolicyChangeListener, PolicyEvents } from './events';

/** Who is in a group, as the pipeline needs it: null when there is no such group. */
export type Membership = ReadonlyMap<string, GroupRole> | null;

/**
 * The members of each group, for the message pipeline: read through from the database by `_id` on
 * a miss ("no such group" is cached too), kept current by policy events. Keyed by group, so a
 * user's number of groups costs nothing per message.
 */
@Injectable()
export class GroupMembershipCache implements PolicyChangeListener, OnModuleInit {
  private readonly cache: LoadingCache<Membership>;

  constructor(config: AppConfig, repository: GroupsRepository, private readonly events: PolicyEvents) {
    this.cache = new LoadingCache<Membership>(config.policy.cacheSize, async (groupId) => {
      const found = await repository.find(config.appId, groupId);
      return found && new Map(found.state.members.map((m) => [m.user_id, m.role]));
    });
  }

  onModuleInit(): void {
    this.events.subscribe(this);
  }

  members(groupId: string): Promise<Membership> {
    return this.cache.get(groupId);
  }

  onPolicyChange(change: PolicyChange): void {
    if (change.type === 'group.changed') this.cache.invalidate(change.group_id);
  }

  onPolicyReset(): void {
    this.cache.clear();
  }
}
