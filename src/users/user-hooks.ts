import { Injectable } from '@nestjs/common';

export type UserHook = (userId: string) => Promise<void>;

/**
 * Features that must act when something happens to a user register here, so users/ need not know
 * them: they depend on users, not the other way round. Hooks run one after the other.
 */
abstract class UserHooks {
  private readonly hooks: UserHook[] = [];

  register(hook: UserHook): void {
    this.hooks.push(hook);
  }

  async run(userId: string): Promise<void> {
    for (const hook of this.hooks) await hook(userId);
  }
}

/**
 * What else goes when a user is deleted (blocks/ drops their blocks, tokens/ closes their broker
 * connections). Runs before the user record is deleted, so a failed deletion can simply be retried.
 */
@Injectable()
export class UserDeletionHooks extends UserHooks {}

/**
 * What else happens when a user is disabled (tokens/ closes their live broker connections). Runs
 * after the user is stored as disabled and announced.
 */
@Injectable()
export class UserDisableHooks extends UserHooks {}
