import { GROUP_WIRE_MEMBER_LIMIT, GroupCommand, GroupEvent, GroupEventAttributes, GroupMember, GroupRole, GroupState, SYSTEM_SENDER } from '@app/protocol';
import { DomainError, ErrorCode } from '../common/errors';

/** Who asks for a change: a member over MQTT, the admin API (any change), or the engine itself. */
export type GroupActor = { kind: 'user'; userId: string } | { kind: 'admin' } | { kind: 'system' };

/** The `by` of an event the admin API caused. */
const ADMIN_ACTOR = 'admin';

/**
 * Every change a group can go through. The users' commands (libs/protocol's GroupCommand), plus
 * what only the admin API does (create for an owner, replace the member list) and what the engine
 * does when a user is deleted (`remove_user`).
 */
export type GroupOperation =
  | Exclude<GroupCommand, { action: 'create' }>
  | { action: 'create'; name: string; attributes?: Record<string, unknown>; members?: string[]; owner?: string }
  | { action: 'replace_members'; members: string[] }
  | { action: 'remove_user'; user_id: string };

/** What a change does: the group after it (null: deleted), its events in order, and who is affected. */
export interface GroupChange {
  before: GroupState | null;
  after: GroupState | null;
  events: GroupEventAttributes[];
  /** Users who joined. */
  joined: string[];
  /** Users who are members no more (told of the change once more, then nothing). */
  removed: string[];
}

export interface RuleContext {
  groupId: string;
  actor: GroupActor;
  now: number;
  maxMembers: number;
}

const refuse = (code: ErrorCode, message: string) => new DomainError(code, message);

/**
 * The group's rules, as one pure function: who may do what (any user creates a group and owns it;
 * owner and admins add and remove members and rename; any member leaves; only the owner deletes,
 * transfers ownership or changes roles; the owner cannot leave without transferring; the admin API
 * may do anything). Throws a DomainError with the refusal's code; a change that changes nothing
 * (adding members who are members already) has no events.
 */
export function applyOperation(group: GroupState | null, op: GroupOperation, ctx: RuleContext): GroupChange {
  if (op.action === 'create') return create(group, op, ctx);
  if (!group) throw refuse(ErrorCode.GROUP_NOT_FOUND, `group ${ctx.groupId} does not exist`);
  const by = actorName(ctx.actor);
  const role = roleOf(group, ctx.actor);
  const change = (after: GroupState | null, events: Array<Omit<GroupEventAttributes, 'group_id' | 'by'>>, joined: string[] = [], removed: string[] = []): GroupChange => ({
    before: group,
    after: after && { ...after, updated_at: ctx.now },
    events: events.map((e) => listed({ ...e, group_id: group.group_id, by })),
    joined,
    removed,
  });
  const member = (userId: string) => group.members.find((m) => m.user_id === userId);
  const mustBeMember = (userId: string) => {
    const found = member(userId);
    if (!found) throw refuse(ErrorCode.NOT_A_MEMBER, `${userId} is not a member of ${group.group_id}`);
    return found;
  };

  switch (op.action) {
    case 'update': {
      permit(role, ['owner', 'admin'], 'rename or change the group');
      const after = { ...group, ...(op.name !== undefined && { name: op.name }), ...(op.attributes !== undefined && { attributes: op.attributes }) };
      return change(after, [{ event: GroupEvent.GROUP_UPDATED, ...(op.name !== undefined && { name: op.name }) }]);
    }
    case 'add_members': {
      permit(role, ['owner', 'admin'], 'add members');
      const joining = op.members.filter((id) => !member(id));
      if (joining.length === 0) return change(group, []);
      checkSize(group.members.length + joining.length, ctx.maxMembers);
      const after = { ...group, members: [...group.members, ...joining.map((id) => newMember(id, 'member', ctx.now))] };
      return change(after, [{ event: GroupEvent.MEMBER_JOINED, members: joining }], joining);
    }
    case 'remove_member': {
      permit(role, ['owner', 'admin'], 'remove members');
      const target = mustBeMember(op.member_id);
      if (target.role === 'owner') throw refuse(ErrorCode.FORBIDDEN, 'the owner cannot be removed: transfer ownership first');
      if (role === 'admin' && target.role === 'admin') throw refuse(ErrorCode.FORBIDDEN, 'only the owner removes an admin');
      const after = { ...group, members: group.members.filter((m) => m !== target) };
      return change(after, [{ event: GroupEvent.MEMBER_REMOVED, member_id: target.user_id }], [], [target.user_id]);
    }
    case 'leave': {
      if (ctx.actor.kind !== 'user') throw refuse(ErrorCode.VALIDATION_FAILED, 'only a member leaves; remove the member instead');
      const me = mustBeMember(ctx.actor.userId);
      if (me.role === 'owner') throw refuse(ErrorCode.FORBIDDEN, 'the owner cannot leave: transfer ownership first');
      const after = { ...group, members: group.members.filter((m) => m !== me) };
      return change(after, [{ event: GroupEvent.MEMBER_LEFT, member_id: me.user_id }], [], [me.user_id]);
    }
    case 'set_role': {
      permit(role, ['owner'], 'change roles');
      const target = mustBeMember(op.member_id);
      if (target.role === 'owner') throw refuse(ErrorCode.FORBIDDEN, 'the owner\'s role changes only by transferring ownership');
      if (target.role === op.role) return change(group, []);
      const after = { ...group, members: group.members.map((m) => (m === target ? { ...m, role: op.role } : m)) };
      return change(after, [{ event: GroupEvent.ROLE_CHANGED, member_id: target.user_id, role: op.role }]);
    }
    case 'transfer_ownership': {
      permit(role, ['owner'], 'transfer ownership');
      const target = mustBeMember(op.member_id);
      if (target.role === 'owner') return change(group, []);
      return change(withOwner(group, target.user_id), [{ event: GroupEvent.OWNER_CHANGED, member_id: target.user_id }]);
    }
    case 'delete': {
      permit(role, ['owner'], 'delete the group');
      return change(null, [{ event: GroupEvent.GROUP_DELETED }], [], group.members.map((m) => m.user_id));
    }
    case 'replace_members': {
      permit(role, [], 'replace the member list');
      const wanted = new Set([group.owner, ...op.members]);
      checkSize(wanted.size, ctx.maxMembers);
      const kept = group.members.filter((m) => wanted.has(m.user_id));
      const joining = [...wanted].filter((id) => !member(id));
      const leaving = group.members.filter((m) => !wanted.has(m.user_id)).map((m) => m.user_id);
      const events = [
        ...leaving.map((id) => ({ event: GroupEvent.MEMBER_REMOVED, member_id: id })),
        ...(joining.length > 0 ? [{ event: GroupEvent.MEMBER_JOINED, members: joining }] : []),
      ];
      const after = { ...group, members: [...kept, ...joining.map((id) => newMember(id, 'member', ctx.now))] };
      return change(events.length > 0 ? after : group, events, joining, leaving);
    }
    case 'remove_user': {
      const target = member(op.user_id);
      if (!target) return change(group, []);
      const rest = group.members.filter((m) => m !== target);
      const left = { event: GroupEvent.MEMBER_LEFT, member_id: target.user_id };
      if (target.role !== 'owner') return change({ ...group, members: rest }, [left], [], [target.user_id]);
      // The owner goes: the oldest admin, else the oldest member, takes over; nobody left: the group goes.
      const heir = oldest(rest.filter((m) => m.role === 'admin')) ?? oldest(rest);
      if (!heir) return change(null, [left, { event: GroupEvent.GROUP_DELETED }], [], [target.user_id]);
      const after = withOwner({ ...group, members: rest }, heir.user_id);
      return change(after, [left, { event: GroupEvent.OWNER_CHANGED, member_id: heir.user_id }], [], [target.user_id]);
    }
  }
}

function create(existing: GroupState | null, op: Extract<GroupOperation, { action: 'create' }>, ctx: RuleContext): GroupChange {
  if (existing) throw refuse(ErrorCode.CONFLICT, `group ${ctx.groupId} exists already`);
  const owner = ctx.actor.kind === 'user' ? ctx.actor.userId : op.owner;
  if (!owner) throw refuse(ErrorCode.VALIDATION_FAILED, 'a group needs an owner');
  const others = [...new Set(op.members ?? [])].filter((id) => id !== owner);
  checkSize(1 + others.length, ctx.maxMembers);
  const after: GroupState = {
    group_id: ctx.groupId,
    name: op.name,
    owner,
    ...(op.attributes !== undefined && { attributes: op.attributes }),
    members: [newMember(owner, 'owner', ctx.now), ...others.map((id) => newMember(id, 'member', ctx.now))],
    created_at: ctx.now,
    updated_at: ctx.now,
  };
  const by = actorName(ctx.actor);
  return {
    before: null,
    after,
    events: [listed({ event: GroupEvent.GROUP_CREATED, group_id: ctx.groupId, by, name: op.name, members: after.members.map((m) => m.user_id) })],
    joined: after.members.map((m) => m.user_id),
    removed: [],
  };
}

/** An event names at most GROUP_WIRE_MEMBER_LIMIT members (a system message stays small), and counts the rest. */
function listed(e: GroupEventAttributes): GroupEventAttributes {
  if (!e.members || e.members.length <= GROUP_WIRE_MEMBER_LIMIT) return e;
  return { ...e, members: e.members.slice(0, GROUP_WIRE_MEMBER_LIMIT), more_members: e.members.length - GROUP_WIRE_MEMBER_LIMIT };
}

/** Everyone who hears of a change: the members after it and those it removed. */
export function audienceOf(change: GroupChange): string[] {
  return [...new Set([...(change.after?.members.map((m) => m.user_id) ?? []), ...change.removed])];
}

function actorName(actor: GroupActor): string {
  return actor.kind === 'user' ? actor.userId : actor.kind === 'admin' ? ADMIN_ACTOR : SYSTEM_SENDER;
}

/** The actor's role in the group: the admin API and the engine act with every right ('*'). */
function roleOf(group: GroupState, actor: GroupActor): GroupRole | '*' {
  if (actor.kind !== 'user') return '*';
  const found = group.members.find((m) => m.user_id === actor.userId);
  if (!found) throw refuse(ErrorCode.NOT_A_MEMBER, `${actor.userId} is not a member of ${group.group_id}`);
  return found.role;
}

function permit(role: GroupRole | '*', allowed: GroupRole[], what: string): void {
  if (role !== '*' && !allowed.includes(role)) {
    throw refuse(ErrorCode.FORBIDDEN, allowed.length > 0 ? `only the ${allowed.join(' or ')} may ${what}` : `only the admin API may ${what}`);
  }
}

function checkSize(size: number, max: number): void {
  if (size > max) throw refuse(ErrorCode.GROUP_FULL, `a group has at most ${max} members (GROUP_MAX_MEMBERS)`);
}

function newMember(userId: string, role: GroupRole, now: number): GroupMember {
  return { user_id: userId, role, joined_at: now };
}

function withOwner(group: GroupState, userId: string): GroupState {
  const members = group.members.map((m): GroupMember => {
    if (m.user_id === userId) return { ...m, role: 'owner' };
    return m.role === 'owner' ? { ...m, role: 'admin' } : m;
  });
  return { ...group, owner: userId, members };
}

function oldest(members: GroupMember[]): GroupMember | undefined {
  return members.reduce<GroupMember | undefined>((a, m) => (!a || m.joined_at < a.joined_at ? m : a), undefined);
}
