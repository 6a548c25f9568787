import { Injectable } from '@nestjs/common';

export type UserDeletionHook = (userId: string) => Promise<void>;

/**
 * What else goes when a user is deleted. Features that keep data about users (blocks) register
 * here, so users/ need not know them: they depend on users, not the other way round. The hooks
 * run before the user record is deleted, so a failed deletion can simply be retried.
 */
@Injectable()
export class UserDeletionHooks {
  private readonly hooks: UserDeletionHook[] = [];

  register(hook: UserDeletionHook): void {
    this.hooks.push(hook);
  }

  async run(userId: string): Promise<void> {
    for (const hook of this.hooks) await hook(userId);
  }
}
