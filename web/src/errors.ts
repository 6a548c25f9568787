import { ApiError } from './api';

/** What a code means to a person; the code itself is shown beside it. */
const MEANINGS: Record<string, string> = {
  BLOCKED: 'not delivered: one of you has blocked the other',
  UNKNOWN_RECIPIENT: 'there is no such user',
  USER_NOT_FOUND: 'there is no such user',
  NOT_A_MEMBER: 'you are not a member of this group',
  GROUP_NOT_FOUND: 'there is no such group (or you are not in it)',
  GROUP_FULL: 'the group is full',
  FORBIDDEN: 'only the owner or an admin of the group may do that',
  RATE_LIMITED: 'too many at once: wait a moment and try again',
  PAYLOAD_TOO_LARGE: 'too long',
  SENDER_DISABLED: 'your account is disabled',
  USER_DISABLED: 'this account is disabled',
  TIMEOUT: 'no answer in time: it may still have gone through',
  DISCONNECTED: 'the connection dropped before the answer: it may or may not have been applied',
  CLOSED: 'signed out',
  NETWORK: 'the engine cannot be reached',
  UNAUTHORIZED: 'your session has expired: sign in again',
  NOT_FOUND: 'not available on this engine',
  CONFLICT: 'that is taken already',
};

/** Any failure (an SDK error with `code` and `reason`, an ApiError, anything else) as a sentence. */
export function readable(error: unknown): string {
  const { code, reason } = (error ?? {}) as { code?: unknown; reason?: unknown };
  const detail = error instanceof ApiError ? error.message : typeof reason === 'string' ? reason : error instanceof Error ? error.message : String(error);
  if (typeof code !== 'string') return detail;
  const meaning = MEANINGS[code];
  return meaning ? `${meaning} (${code})` : `${detail} (${code})`;
}
