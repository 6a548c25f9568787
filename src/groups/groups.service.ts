import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { GroupState, messageIdFloor } from '@app/protocol';
import { DomainError, ErrorCode } from '../common/errors';
import { GroupMemberships } from '../conversations/group-memberships';
import { decodeCursor, Page, readPage } from '../common/pagination';
import { AppConfig } from '../config';
import { HistoryRequest, MessagesService } from '../messages/messages.service';
import { PolicyEvents } from '../policy/events';
import { UserDeletionHooks } from '../users/user-hooks';
import { UsersRepository } from '../users/users.repository';
import { applyOperation, GroupActor, GroupChange, GroupOperation } from './group.rules';
import { GroupNotices } from './group-notices';
import { GroupsRepository } from './groups.repository';
import { KeyedQueue } from '../common/async';

/** Changes computed again when another change of the same group was stored first. */
const MAX_ATTEMPTS = 5;

/**
 * Groups, changed by admins (REST), by members (MQTT group commands) and by the engine (a deleted
 * user leaves every group). A change is computed by the rules (group.rules.ts) from the stored
 * group and stored only over the version it was computed from; then every engine instance is told
 * (the pipeline's membership caches), then the members (GroupNotices). A change that changes
 * nothing is neither stored nor told.
 */
@Injectable()
export class GroupsService implements OnModuleInit {
  private readonly logger = new Logger(GroupsService.name);
  private readonly inTurn = new KeyedQueue();

  constructor(
    private readonly config: AppConfig,
    private readonly repository: GroupsRepository,
    private readonly users: UsersRepository,
    private readonly messages: MessagesService,
    private readonly events: PolicyEvents,
    private readonly notices: GroupNotices,
    private readonly deletionHooks: UserDeletionHooks,
    private readonly memberships: GroupMemberships,
  ) {}

  onModuleInit(): void {
    this.deletionHooks.register((userId) => this.removeUserEverywhere(userId));
    const { appId } = this.config;
    this.memberships.provide({
      of: (userId) => this.repository.membershipsOf(appId, userId),
      isMember: async (userId, groupId) => (await this.repository.find(appId, groupId))?.state.members.some((m) => m.user_id === userId) ?? false,
    });
  }

  /**
   * Applies one change; the group after it (null once deleted). Changes of one group are applied
   * one after the other on this instance, in the order they were asked for (the pipeline asks in
   * delivery order), so a user's commands take effect in the order sent; across instances the
   * version check keeps them from interleaving.
   */
  apply(groupId: string, op: GroupOperation, actor: GroupActor): Promise<GroupState | null> {
    return this.inTurn.run(groupId, () => this.applyNow(groupId, op, actor));
  }

  private async applyNow(groupId: string, op: GroupOperation, actor: GroupActor): Promise<GroupState | null> {
    const change = await this.store(groupId, op, actor);
    // Announced even when nothing changed: a retry after a change whose announcement failed then
    // still brings every instance's membership cache up to date.
    await this.events.announce({ type: 'group.changed', group_id: groupId });
    if (change.events.length === 0) return change.after;
    try {
      await this.notices.publish(change);
    } catch (err) {
      this.logger.error({ group_id: groupId, error: (err as Error).message }, 'group changed, but the members could not be told');
      throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `the change is saved but the members could not be told (${(err as Error).message})`);
    }
    return change.after;
  }

  async get(groupId: string): Promise<GroupState> {
    const found = await this.repository.find(this.config.appId, groupId);
    if (!found) throw new DomainError(ErrorCode.GROUP_NOT_FOUND, `group ${groupId} does not exist`);
    return found.state;
  }

  /** The group, for one of its members; GROUP_NOT_FOUND for anyone else (whether it exists is theirs to know only). */
  async ofMember(member: string, groupId: string): Promise<GroupState> {
    const found = await this.repository.find(this.config.appId, groupId);
    if (!found?.state.members.some((m) => m.user_id === member)) throw new DomainError(ErrorCode.GROUP_NOT_FOUND, `group ${groupId} does not exist, or ${member} is not a member`);
    return found.state;
  }

  async list(limit: number, member?: string, cursor?: string): Promise<Page<GroupState>> {
    const after = cursor ? decodeCursor<{ id: string }>(cursor, { id: 'string' }).id : undefined;
    return readPage(
      limit,
      (rows) => this.repository.page({ appId: this.config.appId, member, limit: rows, after }),
      (g) => g,
      (last) => ({ id: last.group_id }),
    );
  }

  /**
   * A page of the group's timeline. For a member (`member` given): what they may see, which with
   * GROUP_HISTORY_FOR_NEW_MEMBERS=since_join starts when they joined.
   */
  async history(groupId: string, request: HistoryRequest, member?: string) {
    const group = await this.get(groupId);
    // Never what an earlier group of the same id (deleted, its id taken again) said.
    let floor = messageIdFloor(group.created_at);
    if (member !== undefined) {
      const joined = group.members.find((m) => m.user_id === member);
      if (!joined) throw new DomainError(ErrorCode.NOT_A_MEMBER, `${member} is not a member of ${groupId}`);
      if (this.config.groups.historyForNewMembers === 'since_join') floor = messageIdFloor(joined.joined_at);
    }
    return this.messages.page(groupId, request, floor);
  }

  /** A deleted user leaves every group; a group they owned passes on (or goes, when they were alone). */
  private async removeUserEverywhere(userId: string): Promise<void> {
    const groups = await this.repository.idsOfMember(this.config.appId, userId);
    for (const groupId of groups) await this.apply(groupId, { action: 'remove_user', user_id: userId }, { kind: 'system' });
    if (groups.length > 0) this.logger.log({ user_id: userId, groups: groups.length }, 'deleted user removed from their groups');
  }

  private async store(groupId: string, op: GroupOperation, actor: GroupActor): Promise<GroupChange> {
    const { appId, groups } = { appId: this.config.appId, groups: this.config.groups };
    for (let attempt = 1; ; attempt++) {
      const found = await this.repository.find(appId, groupId);
      const change = applyOperation(found?.state ?? null, op, { groupId, actor, now: Date.now(), maxMembers: groups.maxMembers });
      if (change.events.length === 0) return change;
      await this.assertRegistered(change.joined);
      const stored = !found
        ? await this.repository.create(appId, change.after!)
        : change.after
          ? await this.repository.replace(appId, change.after, found.version)
          : await this.repository.delete(appId, groupId, found.version);
      if (stored) return change;
      if (attempt === MAX_ATTEMPTS) {
        throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `group ${groupId} changed ${MAX_ATTEMPTS} times while this change was made; retry`);
      }
    }
  }

  /** With REQUIRE_REGISTERED_RECIPIENTS, only registered users join groups. */
  private async assertRegistered(userIds: string[]): Promise<void> {
    if (!this.config.policy.requireRegisteredRecipients || userIds.length === 0) return;
    const registered = await this.users.registered(this.config.appId, userIds);
    const missing = userIds.filter((id) => !registered.has(id));
    if (missing.length > 0) throw new DomainError(ErrorCode.USER_NOT_FOUND, `not registered: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`);
  }
}
