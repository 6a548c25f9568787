import { DomainError, ErrorCode } from '../errors';

/**
 * Opaque pagination cursors: base64url JSON of the last item's sort key. Clients pass back
 * `next_cursor` as `cursor` and must not build their own.
 */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<T extends Record<string, string | number>>(cursor: string, fields: Record<keyof T, 'string' | 'number'>): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const ok =
    typeof parsed === 'object' &&
    parsed !== null &&
    Object.entries(fields).every(([k, type]) => typeof (parsed as Record<string, unknown>)[k] === type);
  if (!ok) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'cursor is not valid (pass back next_cursor unchanged)');
  return parsed as T;
}
