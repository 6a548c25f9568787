import { newMessageId } from './message-id';

/**
 * Group ids share the word of a topic where a direct message names its peer, so they can never be
 * taken for a user id: they start with `group-` (as chat21's do), which user ids may not.
 */
export const GROUP_ID_PREFIX = 'group-';
export const GROUP_ID_PATTERN = /^group-[A-Za-z0-9_@-]{1,58}$/;
export const GROUP_ID_RULE = '"group-" then 1 to 58 characters: letters, digits, "_", "-" and "@"';

export function isValidGroupId(id: unknown): id is string {
  return typeof id === 'string' && GROUP_ID_PATTERN.test(id);
}

/** Whether an id is in the group namespace (valid or not): such an id is never a user's. */
export function isGroupId(id: string): boolean {
  return id.startsWith(GROUP_ID_PREFIX);
}

/** A new group id: the prefix and a ULID (sorts by creation time). */
export function newGroupId(now: number = Date.now()): string {
  return `${GROUP_ID_PREFIX}${newMessageId(now).toLowerCase()}`;
}
