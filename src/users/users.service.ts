import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors';
import { decodeCursor, readPage } from '../common/pagination';
import { AppConfig } from '../config';
import { PolicyEvents } from '../policy/events';
import { ListUsersQueryDto } from './dto/list-users-query.dto';
import { PutUserDto } from './dto/put-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserPageResponse, UserResponse } from './dto/user.response';
import { UserStatusDto } from './dto/user-status.dto';
import { UserDeletionHooks, UserDisableHooks } from './user-hooks';
import { UserRecord, UsersRepository } from './users.repository';

/**
 * Users of the app. Changes the message pipeline must see (creation, status, deletion) are
 * announced to every engine instance; PATCH is not, as the pipeline does not use profiles.
 */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly repository: UsersRepository,
    private readonly events: PolicyEvents,
    private readonly deletionHooks: UserDeletionHooks,
    private readonly disableHooks: UserDisableHooks,
  ) {}

  /** Creates the user, or replaces the profile of an existing one (keeping its status). */
  async put(userId: string, dto: PutUserDto): Promise<{ user: UserResponse; created: boolean }> {
    const result = await this.createOrReplace(userId, dto);
    // Announced on every call, not only on creation: a retry after a failed announcement (503)
    // finds the user created and must still tell the other instances.
    await this.events.announce({ type: 'user.changed', user_id: userId });
    return { user: toResponse(result.user), created: result.created };
  }

  async get(userId: string): Promise<UserResponse> {
    const user = await this.repository.findOne(this.appId, userId);
    if (!user) throw notFound(userId);
    return toResponse(user);
  }

  async list(query: ListUsersQueryDto): Promise<UserPageResponse> {
    const after = query.cursor ? decodeCursor<{ id: string }>(query.cursor, { id: 'string' }).id : undefined;
    return readPage(
      query.limit,
      (limit) => this.repository.page({ appId: this.appId, limit, disabled: query.disabled, after }),
      toResponse,
      (last) => ({ id: last.user_id }),
    );
  }

  async update(userId: string, dto: UpdateUserDto): Promise<UserResponse> {
    if (dto.display_name === undefined && dto.metadata === undefined) {
      throw new DomainError(ErrorCode.VALIDATION_FAILED, 'nothing to update: give display_name and/or metadata');
    }
    const set = {
      ...(dto.display_name !== undefined && { display_name: dto.display_name }),
      ...(dto.metadata != null && { metadata: dto.metadata }),
      updated_at: Date.now(),
    };
    // metadata: null removes it.
    const user = await this.repository.update(this.appId, userId, set, dto.metadata === null ? ['metadata'] : []);
    if (!user) throw notFound(userId);
    return toResponse(user);
  }

  /** Disables or enables the user; the pipeline applies it to the user's next message. */
  async setStatus(userId: string, dto: UserStatusDto): Promise<UserResponse> {
    const now = Date.now();
    const user = dto.disabled
      ? await this.repository.update(this.appId, userId, { disabled: true, disabled_reason: dto.reason, disabled_at: now, updated_at: now })
      : await this.repository.update(this.appId, userId, { disabled: false, updated_at: now }, ['disabled_reason', 'disabled_at']);
    if (!user) throw notFound(userId);
    await this.events.announce({ type: 'user.changed', user_id: userId });
    this.logger.log({ user_id: userId, disabled: dto.disabled, reason: dto.reason }, dto.disabled ? 'user disabled' : 'user enabled');
    if (dto.disabled) await this.disableHooks.run(userId);
    return toResponse(user);
  }

  /** Deletes the user and what other features keep about them (blocks); their messages stay. */
  async delete(userId: string): Promise<void> {
    const found = (await this.repository.findOne(this.appId, userId)) !== null;
    if (found) {
      await this.deletionHooks.run(userId);
      await this.repository.delete(this.appId, userId);
      this.logger.log({ user_id: userId }, 'user deleted');
    }
    // Also when already gone: a retry after a failed announcement (503) lands here.
    await this.events.announce({ type: 'user.deleted', user_id: userId });
    if (!found) throw notFound(userId);
  }

  /** Fails with USER_NOT_FOUND unless every one of the users is registered. */
  async assertRegistered(...userIds: string[]): Promise<void> {
    for (const userId of userIds) {
      if (!(await this.repository.findState(this.appId, userId))) throw notFound(userId);
    }
  }

  // Insert first, update if taken: two single-document commands, no upsert racing on FerretDB.
  // A second round only happens when the user was deleted in between.
  private async createOrReplace(userId: string, dto: PutUserDto): Promise<{ user: UserRecord; created: boolean }> {
    const profile = { display_name: dto.display_name, ...(dto.metadata != null && { metadata: dto.metadata }) };
    const unset: Array<keyof UserRecord> = dto.metadata == null ? ['metadata'] : [];
    for (let round = 0; round < 2; round++) {
      const now = Date.now();
      const inserted = await this.repository.insert(this.appId, userId, profile, now);
      if (inserted) return { user: inserted, created: true };
      const updated = await this.repository.update(this.appId, userId, { ...profile, updated_at: now }, unset);
      if (updated) return { user: updated, created: false };
    }
    throw new DomainError(ErrorCode.CONFLICT, `user ${userId} was deleted and created concurrently; retry`);
  }

  private get appId(): string {
    return this.config.appId;
  }
}

function notFound(userId: string): DomainError {
  return new DomainError(ErrorCode.USER_NOT_FOUND, `user ${userId} not found`);
}

/** The stored user without its storage keys (_id, app_id). */
function toResponse(u: UserRecord): UserResponse {
  return {
    user_id: u.user_id,
    display_name: u.display_name,
    ...(u.metadata != null && { metadata: u.metadata }),
    disabled: u.disabled,
    ...(u.disabled_reason !== undefined && { disabled_reason: u.disabled_reason }),
    ...(u.disabled_at !== undefined && { disabled_at: u.disabled_at }),
    created_at: u.created_at,
    updated_at: u.updated_at,
  };
}
