import { isValidGroupId, isValidUserId } from '@app/protocol';

/**
 * What changed in the state the message pipeline enforces. Changes name keys, not values: a
 * receiver drops its cached entries and reloads them from the database, so changes announced by
 * different instances need no ordering among themselves.
 */
export type PolicyChange =
  /** Created, disabled or enabled. */
  | { type: 'user.changed'; user_id: string }
  /** Deleted, together with every block it made or received. */
  | { type: 'user.deleted'; user_id: string }
  /** Blocked or unblocked. */
  | { type: 'block.changed'; blocker: string; blocked: string }
  /** Created, changed (members, roles, name) or deleted. */
  | { type: 'group.changed'; group_id: string };

/** A change as it travels between instances. */
export type PolicyEvent = PolicyChange & {
  app_id: string;
  /** The announcing instance, which has applied the change already. */
  origin: string;
};

/** Something that holds policy state and must hear of every change. */
export interface PolicyChangeListener {
  onPolicyChange(change: PolicyChange): void;
  /** Changes may have been missed (e.g. while disconnected from the broker): forget everything. */
  onPolicyReset(): void;
}

export function encodePolicyEvent(event: PolicyEvent): Buffer {
  return Buffer.from(JSON.stringify(event));
}

/** Null when the body is not a policy event this version understands. */
export function parsePolicyEvent(body: Buffer): PolicyEvent | null {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof e !== 'object' || e === null || typeof e.app_id !== 'string' || typeof e.origin !== 'string') return null;
  const meta = { app_id: e.app_id, origin: e.origin };
  switch (e.type) {
    case 'user.changed':
    case 'user.deleted':
      return isValidUserId(e.user_id) ? { ...meta, type: e.type, user_id: e.user_id } : null;
    case 'block.changed':
      return isValidUserId(e.blocker) && isValidUserId(e.blocked)
        ? { ...meta, type: e.type, blocker: e.blocker, blocked: e.blocked }
        : null;
    case 'group.changed':
      return isValidGroupId(e.group_id) ? { ...meta, type: e.type, group_id: e.group_id } : null;
    default:
      return null;
  }
}
