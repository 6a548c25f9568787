import { isStorableText } from '@app/protocol';
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
    Object.entries(fields).every(([k, type]) => isKeyValue((parsed as Record<string, unknown>)[k], type));
  if (!ok) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'cursor is not valid (pass back next_cursor unchanged)');
  return parsed as T;
}

/**
 * A forged cursor must fail here, not in the database: a NUL or a lone surrogate in a string,
 * or a number JSON parsed as Infinity (1e400), can make the server refuse the query (a 500).
 */
function isKeyValue(value: unknown, type: 'string' | 'number'): boolean {
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
  return typeof value === 'string' && isStorableText(value);
}
