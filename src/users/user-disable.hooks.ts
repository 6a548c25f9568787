import { Injectable } from '@nestjs/common';

export type UserDisableHook = (userId: string) => Promise<void>;

/**
 * What else happens when a user is disabled (tokens/ closes their live broker connections), so
 * users/ need not know those features. Runs after the user is stored as disabled and announced.
 */
@Injectable()
export class UserDisableHooks {
  private readonly hooks: UserDisableHook[] = [];

  register(hook: UserDisableHook): void {
    this.hooks.push(hook);
  }

  async run(userId: string): Promise<void> {
    for (const hook of this.hooks) await hook(userId);
  }
}
