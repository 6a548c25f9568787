import { ErrorCode, RejectionCode } from './codes';
import { isValidUserId, USER_ID_RULE } from './user-id';
import { COMMAND_ID_MAX_LENGTH, commandIdProblem, decodeJsonObject, isStorableText, ParseResult } from './validation';

/** A status a user may set (docs/presence.md). `invisible` is shown to everyone else as `offline`. */
export const PRESENCE_STATUSES = ['online', 'away', 'busy', 'invisible'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

/** A status as others see it: a set status while at least one connection lives, else `offline`. */
export type ShownStatus = 'online' | 'away' | 'busy' | 'offline';

/** The engine's default PRESENCE_MAX_WATCHED: the most users one watch list may name. */
export const DEFAULT_PRESENCE_MAX_WATCHED = 500;

export const PRESENCE_LIMITS = {
  /** Characters of a status text. */
  text: 140,
  /** Characters of a command_id. */
  commandId: COMMAND_ID_MAX_LENGTH,
} as const;

/** What the engine publishes on `{prefix}/{watcher}/presence/{userId}/clientupdated`: one user's presence as the watcher may see it. */
export interface PresenceNotice {
  user: string;
  status: ShownStatus;
  /** The user's status text; absent when offline (to this watcher) or none is set. */
  text?: string;
  /** When the user's last connection closed (milliseconds since the epoch); absent while online, or never seen. */
  last_seen_at?: number;
  /** When the engine sent this (milliseconds since the epoch). */
  timestamp: number;
}

/** What a client publishes on `{prefix}/{me}/presence/command`: its status until changed or until all its connections close. */
export interface PresenceCommand {
  command_id?: string;
  status: PresenceStatus;
  /** At most 140 characters; absent or null for none. */
  text?: string | null;
}

/** What a client publishes on `{prefix}/{me}/presence/watch`: the users whose presence it wants, replacing the previous list (empty: none). */
export interface PresenceWatch {
  command_id?: string;
  users: string[];
}

/** Why a presence command or watch failed: it could not be read, came too fast, or a field breaks a rule. */
export type PresenceResultCode = RejectionCode | ErrorCode.VALIDATION_FAILED;

/** What the engine answers on `{prefix}/{me}/presence/result`. */
export interface PresenceResult {
  /** Which topic the answered message came on. */
  command: 'status' | 'watch';
  /** The command's own `command_id`, when it had a valid one. */
  command_id?: string;
  ok: boolean;
  code?: PresenceResultCode;
  reason?: string;
  /** status: the user's own presence after the change, with the status as set (`invisible` included). */
  status?: PresenceStatus;
  text?: string;
  /** watch: how many users are watched now. */
  watched?: number;
  /** watch: ids in the list that are not registered users (watched anyway, shown offline until they exist and connect). */
  unknown?: string[];
  timestamp: number;
}

function invalid(reason: string): { ok: false; code: ErrorCode.VALIDATION_FAILED; reason: string } {
  return { ok: false, code: ErrorCode.VALIDATION_FAILED, reason };
}

/** Why a status text is not acceptable, or null (null and absent mean "no text"). */
export function presenceTextProblem(text: unknown): string | null {
  if (text === undefined || text === null) return null;
  return typeof text === 'string' && text.length <= PRESENCE_LIMITS.text && isStorableText(text)
    ? null
    : `text must be a string of at most ${PRESENCE_LIMITS.text} characters, well-formed and without NUL, or null`;
}

export function isPresenceStatus(status: unknown): status is PresenceStatus {
  return typeof status === 'string' && (PRESENCE_STATUSES as readonly string[]).includes(status);
}

/** Decodes and validates a status command. Unknown fields are dropped. */
export function parsePresenceCommand(body: Buffer | string, maxBytes: number): ParseResult<PresenceCommand, PresenceResultCode> {
  const decoded = decodeJsonObject(body, maxBytes);
  if (!decoded.ok) return decoded;
  const o = decoded.value;
  const problem =
    commandIdProblem(o.command_id) ??
    (isPresenceStatus(o.status) ? null : `status must be one of ${PRESENCE_STATUSES.join(', ')}`) ??
    presenceTextProblem(o.text);
  if (problem) return invalid(problem);
  const value: PresenceCommand = { status: o.status as PresenceStatus };
  if (typeof o.text === 'string' && o.text.length > 0) value.text = o.text;
  if (o.command_id !== undefined) value.command_id = o.command_id as string;
  return { ok: true, value };
}

/** Decodes and validates a watch list of at most `maxWatched` distinct user ids. Unknown fields are dropped. */
export function parsePresenceWatch(body: Buffer | string, maxBytes: number, maxWatched: number): ParseResult<PresenceWatch, PresenceResultCode> {
  const decoded = decodeJsonObject(body, maxBytes);
  if (!decoded.ok) return decoded;
  const o = decoded.value;
  const idProblem = commandIdProblem(o.command_id);
  if (idProblem) return invalid(idProblem);
  const problem = watchListProblem(o.users, maxWatched);
  if (problem) return invalid(problem);
  const value: PresenceWatch = { users: [...new Set(o.users as string[])] };
  if (o.command_id !== undefined) value.command_id = o.command_id as string;
  return { ok: true, value };
}

/** Why a list of user ids to watch or query is not acceptable (an array of at most `max` user ids), or null. Repeats are allowed (and dropped). */
export function watchListProblem(users: unknown, max: number): string | null {
  if (!Array.isArray(users)) return 'users must be an array of user ids';
  if (users.length > max) return `at most ${max} users`;
  const bad = users.find((u) => !isValidUserId(u));
  return bad === undefined ? null : `invalid user id "${String(bad).slice(0, 80)}": ${USER_ID_RULE}`;
}
