import { utf8Length } from './utf8';
import { ErrorCode, GroupResultCode, RejectionCode } from './codes';
import { freeFormProblem } from './free-form';
import { DeliveredMessage } from './payloads';
import { isValidUserId, USER_ID_RULE } from './user-id';
import { COMMAND_ID_MAX_LENGTH, commandIdProblem, decodeJsonObject, isStorableText, ParseResult } from './validation';

export type GroupRole = 'owner' | 'admin' | 'member';

export interface GroupMember {
  user_id: string;
  role: GroupRole;
  /** Milliseconds since the epoch. */
  joined_at: number;
}

/** A group as the engine sends it (`clientupdated`, command results) and the admin API returns it. */
export interface GroupState {
  group_id: string;
  name: string;
  owner: string;
  attributes?: Record<string, unknown>;
  members: GroupMember[];
  created_at: number;
  updated_at: number;
}

/**
 * Over MQTT (clientupdated, command results) a group is sent with its member list only up to this
 * many members: a larger list would outgrow the broker's message size and, sent to every member
 * on every change, cost the square of the group's size. The admin API always lists them all.
 */
export const GROUP_WIRE_MEMBER_LIMIT = 100;

/** A group as sent over MQTT: `member_count` always, `members` when there are at most GROUP_WIRE_MEMBER_LIMIT. */
export interface GroupNotice extends Omit<GroupState, 'members'> {
  member_count: number;
  members?: GroupMember[];
}

export function groupNotice(state: GroupState): GroupNotice {
  const { members, ...rest } = state;
  return { ...rest, member_count: members.length, ...(members.length <= GROUP_WIRE_MEMBER_LIMIT && { members }) };
}

/** What a group's system message says happened (`attributes.event`). */
export enum GroupEvent {
  GROUP_CREATED = 'GROUP_CREATED',
  MEMBER_JOINED = 'MEMBER_JOINED',
  MEMBER_LEFT = 'MEMBER_LEFT',
  MEMBER_REMOVED = 'MEMBER_REMOVED',
  GROUP_UPDATED = 'GROUP_UPDATED',
  ROLE_CHANGED = 'ROLE_CHANGED',
  OWNER_CHANGED = 'OWNER_CHANGED',
  GROUP_DELETED = 'GROUP_DELETED',
}

/**
 * The `attributes` of a group's system message (type `system`, sender `system`): the event, who
 * did it (`by`: a user id, or `admin` for the admin API, or `system` for the engine itself), and
 * its subjects.
 */
export interface GroupEventAttributes {
  event: GroupEvent;
  group_id: string;
  by: string;
  /** The member the event is about (joined, left, removed, role changed, new owner). */
  member_id?: string;
  /** Several members joined at once (created, members added): the first GROUP_WIRE_MEMBER_LIMIT of them. */
  members?: string[];
  /** How many more joined than `members` lists. */
  more_members?: number;
  role?: GroupRole;
  name?: string;
}

/** The sender of a group's system messages, and the `by` of the changes the engine makes itself. */
export const SYSTEM_SENDER = 'system';

/** A group's system message as a member receives it on `clientadded` (recipient: the group id). */
export interface GroupSystemMessage extends DeliveredMessage {
  type: 'system';
  sender: typeof SYSTEM_SENDER;
  channel_type: 'group';
  attributes: GroupEventAttributes & Record<string, unknown>;
}

/** What the engine publishes on `{prefix}/{member}/groups/{groupId}/clientdeleted` once a group is deleted. */
export interface GroupDeletedNotice {
  group_id: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export const GROUP_LIMITS = {
  /** Characters of a command_id. */
  commandId: COMMAND_ID_MAX_LENGTH,
  /** Characters of a group name. */
  name: 256,
  /** Bytes of a group's attributes as JSON. */
  attributesBytes: 8 * 1024,
} as const;

/** Any command may carry an id of the client's choosing, echoed in its result (matching answers to commands). */
interface CommandId {
  command_id?: string;
}

export type GroupCommand = CommandId &
  (
    | { action: 'create'; name: string; attributes?: Record<string, unknown>; members?: string[] }
    | { action: 'update'; name?: string; attributes?: Record<string, unknown> }
    | { action: 'add_members'; members: string[] }
    | { action: 'remove_member'; member_id: string }
    | { action: 'leave' }
    | { action: 'set_role'; member_id: string; role: 'admin' | 'member' }
    | { action: 'transfer_ownership'; member_id: string }
    | { action: 'delete' }
  );

export type GroupAction = GroupCommand['action'];

export const GROUP_ACTIONS: readonly GroupAction[] = ['create', 'update', 'add_members', 'remove_member', 'leave', 'set_role', 'transfer_ownership', 'delete'];

/** What the engine answers a group command with, on `{prefix}/{me}/groups/{groupId}/result`. */
export interface GroupResult {
  /** Absent when the command could not be read. */
  action?: GroupAction;
  /** The command's own `command_id`, when it had a valid one. */
  command_id?: string;
  group_id: string;
  ok: boolean;
  code?: GroupResultCode;
  reason?: string;
  /** The group after the change (absent once deleted, or left). */
  group?: GroupNotice;
  timestamp: number;
}

/** Why a group name is not acceptable, or null. */
export function groupNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > GROUP_LIMITS.name || !isStorableText(name)) {
    return `name must be a non-empty string of at most ${GROUP_LIMITS.name} characters, well-formed and without NUL`;
  }
  return null;
}

/** Why group attributes are not acceptable, or null. */
export function groupAttributesProblem(attributes: unknown): string | null {
  const problem = freeFormProblem(attributes, 'attributes');
  if (problem) return problem;
  const size = utf8Length(JSON.stringify(attributes));
  return size > GROUP_LIMITS.attributesBytes ? `attributes are ${size} bytes as JSON; the limit is ${GROUP_LIMITS.attributesBytes}` : null;
}

/** Why a member list is not acceptable (valid user ids, no repeats, at most `max`), or null. */
export function memberListProblem(members: unknown, max: number): string | null {
  if (!Array.isArray(members) || members.length === 0) return 'members must be a non-empty array of user ids';
  if (members.length > max) return `at most ${max} members`;
  const bad = members.find((m) => !isValidUserId(m));
  if (bad !== undefined) return `invalid member id "${String(bad).slice(0, 80)}": ${USER_ID_RULE}`;
  if (new Set(members).size !== members.length) return 'members must not repeat';
  return null;
}

/**
 * Decodes and validates a group command (docs/groups.md). Unknown fields are dropped. `maxMembers`
 * bounds a member list (GROUP_MAX_MEMBERS). Refusals use the codes a result carries: a command
 * that is not JSON or too large as RejectionCode, a field that breaks a rule as VALIDATION_FAILED.
 */
export function parseGroupCommand(body: Buffer | string, maxBytes: number, maxMembers: number): ParseResult<GroupCommand, GroupResultCode> {
  const decoded = decodeJsonObject(body, maxBytes);
  if (!decoded.ok) return decoded;
  const o = decoded.value;
  const id = o.command_id;
  const idProblem = commandIdProblem(id);
  if (idProblem) return { ok: false, code: ErrorCode.VALIDATION_FAILED, reason: idProblem };
  const parsed = parseFields(o, maxMembers);
  return parsed.ok && id !== undefined ? { ok: true, value: { ...parsed.value, command_id: id as string } } : parsed;
}

function parseFields(o: Record<string, unknown>, maxMembers: number): ParseResult<GroupCommand, GroupResultCode> {
  const invalid = (reason: string) => ({ ok: false as const, code: ErrorCode.VALIDATION_FAILED as const, reason });
  const action = o.action;
  if (typeof action !== 'string' || !(GROUP_ACTIONS as readonly string[]).includes(action)) {
    return { ok: false, code: RejectionCode.INVALID_PAYLOAD, reason: `action must be one of ${GROUP_ACTIONS.join(', ')}` };
  }
  const memberId = (): string | null => (isValidUserId(o.member_id) ? o.member_id : null);
  switch (action as GroupAction) {
    case 'create': {
      const problem = groupNameProblem(o.name) ?? (o.attributes === undefined ? null : groupAttributesProblem(o.attributes)) ??
        (o.members === undefined ? null : memberListProblem(o.members, maxMembers));
      if (problem) return invalid(problem);
      const value: GroupCommand = { action: 'create', name: o.name as string };
      if (o.attributes !== undefined) value.attributes = o.attributes as Record<string, unknown>;
      if (o.members !== undefined) value.members = o.members as string[];
      return { ok: true, value };
    }
    case 'update': {
      if (o.name === undefined && o.attributes === undefined) return invalid('give name, attributes or both');
      const problem = (o.name === undefined ? null : groupNameProblem(o.name)) ?? (o.attributes === undefined ? null : groupAttributesProblem(o.attributes));
      if (problem) return invalid(problem);
      const value: GroupCommand = { action: 'update' };
      if (o.name !== undefined) value.name = o.name as string;
      if (o.attributes !== undefined) value.attributes = o.attributes as Record<string, unknown>;
      return { ok: true, value };
    }
    case 'add_members': {
      const problem = memberListProblem(o.members, maxMembers);
      return problem ? invalid(problem) : { ok: true, value: { action: 'add_members', members: o.members as string[] } };
    }
    case 'remove_member':
    case 'transfer_ownership': {
      const id = memberId();
      if (!id) return invalid(`member_id must be a user id: ${USER_ID_RULE}`);
      return { ok: true, value: { action: action as 'remove_member' | 'transfer_ownership', member_id: id } };
    }
    case 'set_role': {
      const id = memberId();
      if (!id) return invalid(`member_id must be a user id: ${USER_ID_RULE}`);
      if (o.role !== 'admin' && o.role !== 'member') return invalid('role must be "admin" or "member" (ownership moves with transfer_ownership)');
      return { ok: true, value: { action: 'set_role', member_id: id, role: o.role } };
    }
    case 'leave':
    case 'delete':
      return { ok: true, value: { action: action as 'leave' | 'delete' } };
  }
}
