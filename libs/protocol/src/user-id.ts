import { isGroupId } from './group-id';

/**
 * User ids appear as single words in MQTT topics and AMQP routing keys, in broker token scopes and
 * in MQTT client ids, so they may not contain a topic separator (`/`, `.`), an MQTT or AMQP wildcard
 * (`+`, `#`, `*`), or the client id separator (`~`); nor start with `group-`, which names groups.
 */
export const USER_ID_PATTERN = /^[A-Za-z0-9_@-]{1,64}$/;
export const USER_ID_MAX_LENGTH = 64;

/**
 * Words of the topic layout that stand where a peer's id stands (`{me}/presence/...`,
 * `{me}/conversations/...`): no user may be called so, or their topics would read as the layout's.
 */
export const RESERVED_USER_IDS: ReadonlySet<string> = new Set(['presence', 'conversations']);

export const USER_ID_RULE = '1 to 64 characters: letters, digits, "_", "-" and "@", not starting with "group-", not "presence" nor "conversations"';

export function isValidUserId(id: unknown): id is string {
  return typeof id === 'string' && USER_ID_PATTERN.test(id) && !isGroupId(id) && !RESERVED_USER_IDS.has(id);
}

/** Why a field is not a user id, or null (the wire contract's words, for REST and MQTT alike). */
export function userIdProblem(value: unknown, field: string): string | null {
  return isValidUserId(value) ? null : `${field} must be a user id: ${USER_ID_RULE}`;
}

/** MQTT client ids of a user are `<userId>~<anything>`; the broker token only allows those. */
export const CLIENT_ID_SEPARATOR = '~';

export function clientIdPrefix(userId: string): string {
  return `${userId}${CLIENT_ID_SEPARATOR}`;
}

/**
 * One key for an unordered pair of users (both sides of a direct conversation, a block either way):
 * the two ids in sorted order joined by `|`, which no user id contains.
 */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** The two user ids of a pairKey. */
export function usersOfPair(key: string): [string, string] {
  const at = key.indexOf('|');
  return [key.slice(0, at), key.slice(at + 1)];
}
