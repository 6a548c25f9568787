import { Module } from '@nestjs/common';
import { BlocksModule } from '../blocks/blocks.module';
import { GroupsModule } from '../groups/groups.module';
import { UsersModule } from '../users/users.module';
import { BlockPairCache } from './block-pair.cache';
import { GroupMembershipCache } from './group-membership.cache';
import { PolicyEventsModule } from './events';
import { PolicyService } from './policy.service';
import { UserStateCache } from './user-state.cache';

/**
 * Who may send what to whom, and how that stays current across instances: the rules
 * (PolicyService, the rate limiter), the state they read (users', block pairs' and group
 * memberships' caches, read through from the users', blocks' and groups' repositories) and the events that keep it current
 * (`events/`, the leaf users and blocks announce their changes through). Never imports the pipeline.
 */
@Module({
  imports: [UsersModule, BlocksModule, GroupsModule, PolicyEventsModule],
  providers: [PolicyService, UserStateCache, BlockPairCache, GroupMembershipCache],
  exports: [PolicyService, UserStateCache],
})
export class PolicyModule {}
