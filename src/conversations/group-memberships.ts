import { Injectable } from '@nestjs/common';

/** A group a user is in, as their conversation list needs it. */
export interface MemberGroup {
  groupId: string;
  /** Milliseconds since the epoch. */
  joinedAt: number;
  /** When the group was created (an earlier group of the same id does not count). */
  createdAt: number;
}

/** What groups/ answers: a user's groups (a scan: the admin plane's list), and one membership (by the group's `_id`: fast). */
export interface MembershipSource {
  of(userId: string): Promise<MemberGroup[]>;
  isMember(userId: string, groupId: string): Promise<boolean>;
}

/**
 * Where the conversation list learns a user's groups. groups/ provides the source (it depends on
 * conversations, not the other way round); without one, lists hold direct conversations only.
 */
@Injectable()
export class GroupMemberships {
  private source: MembershipSource | null = null;

  provide(source: MembershipSource): void {
    this.source = source;
  }

  of(userId: string): Promise<MemberGroup[]> {
    return this.source ? this.source.of(userId) : Promise.resolve([]);
  }

  /** Whether the user is a member of the group now (false for no such group). */
  isMember(userId: string, groupId: string): Promise<boolean> {
    return this.source ? this.source.isMember(userId, groupId) : Promise.resolve(false);
  }
}
