import { Injectable } from '@nestjs/common';

/** A group a user is in, as their conversation list needs it. */
export interface MemberGroup {
  groupId: string;
  /** Milliseconds since the epoch. */
  joinedAt: number;
  /** When the group was created (an earlier group of the same id does not count). */
  createdAt: number;
}

/**
 * Where the conversation list learns a user's groups. groups/ provides the source (it depends on
 * conversations, not the other way round); without one, lists hold direct conversations only.
 */
@Injectable()
export class GroupMemberships {
  private source: ((userId: string) => Promise<MemberGroup[]>) | null = null;

  provide(source: (userId: string) => Promise<MemberGroup[]>): void {
    this.source = source;
  }

  of(userId: string): Promise<MemberGroup[]> {
    return this.source ? this.source(userId) : Promise.resolve([]);
  }
}
