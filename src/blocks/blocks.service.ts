import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors';
import { decodeCursor, PageQueryDto, readPage } from '../common/pagination';
import { AppConfig } from '../config';
import { PolicyEvents } from '../policy/events';
import { UserDeletionHooks } from '../users/user-hooks';
import { UsersService } from '../users/users.service';
import { Block } from './block.schema';
import { BlockPageResponse, BlockResponse, BlockStatusResponse } from './dto/block.response';
import { BlocksRepository } from './blocks.repository';

/**
 * Blocks between users, made by admins (REST) or by users themselves (MQTT block commands).
 * Block and unblock are idempotent, and every call announces the pair to all engine instances,
 * so a call retried after a failed announcement (503) still reaches them.
 *
 * With REQUIRE_REGISTERED_RECIPIENTS the users named must be registered (USER_NOT_FOUND
 * otherwise), except to unblock; without it, any valid ids may be used.
 */
@Injectable()
export class BlocksService implements OnModuleInit {
  private readonly logger = new Logger(BlocksService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly repository: BlocksRepository,
    private readonly users: UsersService,
    private readonly events: PolicyEvents,
    private readonly deletionHooks: UserDeletionHooks,
  ) {}

  onModuleInit(): void {
    this.deletionHooks.register((userId) => this.removeAllOf(userId));
  }

  async block(blocker: string, blocked: string, reason?: string): Promise<{ block: BlockResponse; created: boolean }> {
    if (blocker === blocked) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'a user cannot block themselves');
    await this.assertRegistered(blocker, blocked);
    const { block, created } = await this.repository.insert({
      app_id: this.appId,
      blocker,
      blocked,
      ...(reason !== undefined && { reason }),
      created_at: Date.now(),
    });
    await this.events.announce({ type: 'block.changed', blocker, blocked });
    if (created) this.logger.log({ blocker, blocked }, 'user blocked');
    return { block: toResponse(block), created };
  }

  /** True when there was a block to remove. */
  async unblock(blocker: string, blocked: string): Promise<boolean> {
    const removed = await this.repository.delete(this.appId, blocker, blocked);
    await this.events.announce({ type: 'block.changed', blocker, blocked });
    if (removed) this.logger.log({ blocker, blocked }, 'user unblocked');
    return removed;
  }

  async get(blocker: string, blocked: string): Promise<BlockResponse> {
    await this.assertRegistered(blocker, blocked);
    const block = await this.repository.findOne(this.appId, blocker, blocked);
    if (!block) throw new DomainError(ErrorCode.NOT_FOUND, `${blocker} does not block ${blocked}`);
    return toResponse(block);
  }

  /** Whom the user blocks, in order of their ids. */
  async list(blocker: string, query: PageQueryDto): Promise<BlockPageResponse> {
    await this.assertRegistered(blocker);
    const after = query.cursor ? decodeCursor<{ id: string }>(query.cursor, { id: 'string' }).id : undefined;
    return readPage(query.limit, (limit) => this.repository.page({ appId: this.appId, blocker, limit, after }), toResponse, (last) => ({ id: last.blocked }));
  }

  /** Whether messages between the two are refused, and who blocks whom. */
  async status(user: string, peer: string): Promise<BlockStatusResponse> {
    await this.assertRegistered(user, peer);
    const [userBlocksPeer, peerBlocksUser] = await Promise.all([
      this.repository.exists(this.appId, user, peer),
      this.repository.exists(this.appId, peer, user),
    ]);
    return { user, peer, blocked: userBlocksPeer || peerBlocksUser, user_blocks_peer: userBlocksPeer, peer_blocks_user: peerBlocksUser };
  }

  private async removeAllOf(userId: string): Promise<void> {
    const removed = await this.repository.deleteAllOf(this.appId, userId);
    this.logger.log({ user_id: userId, blocks: removed }, 'blocks of a deleted user removed');
  }

  private async assertRegistered(...userIds: string[]): Promise<void> {
    if (this.config.policy.requireRegisteredRecipients) await this.users.assertRegistered(...userIds);
  }

  private get appId(): string {
    return this.config.appId;
  }
}

function toResponse(b: Block): BlockResponse {
  return {
    blocker: b.blocker,
    blocked: b.blocked,
    ...(b.reason !== undefined && { reason: b.reason }),
    created_at: b.created_at,
  };
}
