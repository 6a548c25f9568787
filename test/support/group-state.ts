import type { GroupNotice } from '@app/protocol';

/** For the client SDK's unit specs: a group of alice (owner) and bob, as the engine sends it. */
export function groupState(over: Partial<GroupNotice> = {}): GroupNotice {
  return {
    group_id: 'group-01j0team',
    name: 'Team',
    owner: 'alice',
    members: [
      { user_id: 'alice', role: 'owner', joined_at: 1 },
      { user_id: 'bob', role: 'member', joined_at: 2 },
    ],
    member_count: 2,
    created_at: 1,
    updated_at: 2,
    ...over,
  };
}
