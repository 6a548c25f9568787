import { GroupEvent, GroupState } from '@app/protocol';
import { DomainError, ErrorCode } from '../common/errors';
import { applyOperation, audienceOf, GroupActor, GroupOperation } from './group.rules';

const user = (userId: string): GroupActor => ({ kind: 'user', userId });
const ctx = (actor: GroupActor, maxMembers = 5) => ({ groupId: 'group-1', actor, now: 1000, maxMembers });

function group(): GroupState {
  return {
    group_id: 'group-1',
    name: 'G',
    owner: 'o',
    members: [
      { user_id: 'o', role: 'owner', joined_at: 1 },
      { user_id: 'a', role: 'admin', joined_at: 2 },
      { user_id: 'm', role: 'member', joined_at: 3 },
      { user_id: 'n', role: 'member', joined_at: 4 },
    ],
    created_at: 1,
    updated_at: 1,
  };
}

const codeOf = (fn: () => unknown): ErrorCode | undefined => {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return undefined;
};
const refusal = (op: GroupOperation, actor: GroupActor, g: GroupState | null = group()) => codeOf(() => applyOperation(g, op, ctx(actor)));

describe('group rules', () => {
  it('let any user create a group they own; an id in use is a CONFLICT', () => {
    const change = applyOperation(null, { action: 'create', name: 'New', members: ['x', 'y', 'x'] }, ctx(user('u')));
    expect(change.after).toMatchObject({ owner: 'u', members: [{ user_id: 'u', role: 'owner' }, { user_id: 'x', role: 'member' }, { user_id: 'y', role: 'member' }] });
    expect(change.events).toEqual([{ event: GroupEvent.GROUP_CREATED, group_id: 'group-1', by: 'u', name: 'New', members: ['u', 'x', 'y'] }]);
    expect(refusal({ action: 'create', name: 'Again' }, user('u'))).toBe(ErrorCode.CONFLICT);
    expect(refusal({ action: 'create', name: 'Big', members: ['1', '2', '3', '4', '5'] }, user('u'), null)).toBe(ErrorCode.GROUP_FULL);
  });

  it('name at most 100 members in an event, counting the rest', () => {
    const many = Array.from({ length: 150 }, (_, i) => `u${i}`);
    const change = applyOperation(null, { action: 'create', name: 'Big', members: many }, ctx(user('u'), 1000));
    expect(change.events[0].members).toHaveLength(100);
    expect(change.events[0].more_members).toBe(51);
    expect(change.joined).toHaveLength(151);
  });

  it('answer for a missing group GROUP_NOT_FOUND, and for a stranger NOT_A_MEMBER', () => {
    expect(refusal({ action: 'leave' }, user('m'), null)).toBe(ErrorCode.GROUP_NOT_FOUND);
    expect(refusal({ action: 'update', name: 'x' }, user('stranger'))).toBe(ErrorCode.NOT_A_MEMBER);
  });

  it.each<[string, GroupOperation, string[]]>([
    ['rename', { action: 'update', name: 'x' }, ['o', 'a']],
    ['add members', { action: 'add_members', members: ['z'] }, ['o', 'a']],
    ['remove a member', { action: 'remove_member', member_id: 'n' }, ['o', 'a']],
    ['change a role', { action: 'set_role', member_id: 'n', role: 'admin' }, ['o']],
    ['transfer ownership', { action: 'transfer_ownership', member_id: 'n' }, ['o']],
    ['delete', { action: 'delete' }, ['o']],
    ['replace the members', { action: 'replace_members', members: ['n'] }, []],
  ])('to %s, allow only %j (and the admin API)', (_what, op, allowed) => {
    for (const who of ['o', 'a', 'm']) expect(refusal(op, user(who))).toBe(allowed.includes(who) ? undefined : ErrorCode.FORBIDDEN);
    expect(refusal(op, { kind: 'admin' })).toBeUndefined();
  });

  it('let members leave, but not the owner, and never remove the owner or let an admin remove an admin', () => {
    const left = applyOperation(group(), { action: 'leave' }, ctx(user('m')));
    expect(left.removed).toEqual(['m']);
    expect(left.events).toEqual([{ event: GroupEvent.MEMBER_LEFT, group_id: 'group-1', by: 'm', member_id: 'm' }]);
    expect(audienceOf(left).sort()).toEqual(['a', 'm', 'n', 'o']);
    expect(refusal({ action: 'leave' }, user('o'))).toBe(ErrorCode.FORBIDDEN);
    expect(refusal({ action: 'remove_member', member_id: 'o' }, { kind: 'admin' })).toBe(ErrorCode.FORBIDDEN);
    const g = group();
    g.members.push({ user_id: 'a2', role: 'admin', joined_at: 5 });
    expect(refusal({ action: 'remove_member', member_id: 'a2' }, user('a'), g)).toBe(ErrorCode.FORBIDDEN);
    expect(refusal({ action: 'remove_member', member_id: 'stranger' }, user('o'))).toBe(ErrorCode.NOT_A_MEMBER);
  });

  it('keep to the size limit, and change nothing (no events) for members already in', () => {
    expect(refusal({ action: 'add_members', members: ['x', 'y'] }, user('o'))).toBe(ErrorCode.GROUP_FULL);
    const same = applyOperation(group(), { action: 'add_members', members: ['m'] }, ctx(user('o')));
    expect(same.events).toEqual([]);
  });

  it('move ownership: the new owner owns, the old one becomes an admin', () => {
    const change = applyOperation(group(), { action: 'transfer_ownership', member_id: 'n' }, ctx(user('o')));
    expect(change.after?.owner).toBe('n');
    expect(change.after?.members.find((m) => m.user_id === 'o')?.role).toBe('admin');
    expect(change.after?.members.find((m) => m.user_id === 'n')?.role).toBe('owner');
  });

  it('tell everyone of a deletion, and replace a member list around the owner', () => {
    const gone = applyOperation(group(), { action: 'delete' }, ctx(user('o')));
    expect(gone.after).toBeNull();
    expect(audienceOf(gone).sort()).toEqual(['a', 'm', 'n', 'o']);
    const replaced = applyOperation(group(), { action: 'replace_members', members: ['m', 'z'] }, ctx({ kind: 'admin' }));
    expect(replaced.after?.members.map((m) => m.user_id)).toEqual(['o', 'm', 'z']);
    expect(replaced.joined).toEqual(['z']);
    expect(replaced.removed.sort()).toEqual(['a', 'n']);
  });

  it('pass a deleted owner\'s group to the oldest admin, else the oldest member, else delete it', () => {
    const toAdmin = applyOperation(group(), { action: 'remove_user', user_id: 'o' }, ctx({ kind: 'system' }));
    expect(toAdmin.after?.owner).toBe('a');
    expect(toAdmin.events.map((e) => e.event)).toEqual([GroupEvent.MEMBER_LEFT, GroupEvent.OWNER_CHANGED]);
    const noAdmin = group();
    noAdmin.members = noAdmin.members.filter((m) => m.user_id !== 'a');
    expect(applyOperation(noAdmin, { action: 'remove_user', user_id: 'o' }, ctx({ kind: 'system' })).after?.owner).toBe('m');
    const alone = { ...group(), members: [group().members[0]] };
    const deleted = applyOperation(alone, { action: 'remove_user', user_id: 'o' }, ctx({ kind: 'system' }));
    expect(deleted.after).toBeNull();
    expect(deleted.events.map((e) => e.event)).toEqual([GroupEvent.MEMBER_LEFT, GroupEvent.GROUP_DELETED]);
  });
});
