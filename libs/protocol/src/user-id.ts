/**
 * User ids appear as single words in MQTT topics and AMQP routing keys, in broker token scopes and
 * in MQTT client ids, so they may not contain a topic separator (`/`, `.`), an MQTT or AMQP wildcard
 * (`+`, `#`, `*`), or the client id separator (`~`).
 */
export const USER_ID_PATTERN = /^[A-Za-z0-9_@-]{1,64}$/;
export const USER_ID_MAX_LENGTH = 64;
export const USER_ID_RULE = '1 to 64 characters: letters, digits, "_", "-" and "@"';

export function isValidUserId(id: unknown): id is string {
  return typeof id === 'string' && USER_ID_PATTERN.test(id);
}

/** MQTT client ids of a user are `<userId>~<anything>`; the broker token only allows those. */
export const CLIENT_ID_SEPARATOR = '~';

export function clientIdPrefix(userId: string): string {
  return `${userId}${CLIENT_ID_SEPARATOR}`;
}
