/**
 * Free-form JSON that clients and admins attach to messages and users (`attributes`, `metadata`).
 * The engine stores it as JSON text, so any key a client sends (`$gt`, `a.b`, a NUL) is stored and
 * returned exactly as sent, on MongoDB and FerretDB alike. What JSON text cannot carry back, or
 * what would exhaust a reader, is refused up front.
 */
export const FREE_FORM_LIMITS = {
  /** Nesting of objects and arrays, the top-level object counting as 1. */
  depth: 16,
  /** Characters of one key. */
  keyLength: 256,
} as const;

/** Attribute keys the engine itself sets on the messages it sends (system messages). */
export const RESERVED_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set(['system']);

/**
 * Why a value may not be stored as a free-form field, or null when it may. `field` names the
 * field in the reason. Iterative, so no input can overflow the stack.
 */
export function freeFormProblem(value: unknown, field: string): string | null {
  if (!isPlainObject(value)) return `${field} must be a JSON object`;
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: field, depth: 1 }];
  while (stack.length > 0) {
    const { value: v, path, depth } = stack.pop()!;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return `${path} must be a finite number`;
      continue;
    }
    if (typeof v === 'string') {
      if (!isWellFormedText(v)) return `${path} must be well-formed Unicode text`;
      continue;
    }
    if (v === null || typeof v === 'boolean') continue;
    if (typeof v !== 'object') return `${path} is not a JSON value`;
    if (depth > FREE_FORM_LIMITS.depth) return `${field} is nested deeper than ${FREE_FORM_LIMITS.depth} levels`;
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    for (const [key, item] of Object.entries(v)) {
      if (key.length > FREE_FORM_LIMITS.keyLength) return `${path} has a key longer than ${FREE_FORM_LIMITS.keyLength} characters`;
      if (!isWellFormedText(key)) return `${path} has a key that is not well-formed Unicode text`;
      stack.push({ value: item, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
  return null;
}

/** A string that is valid Unicode (no lone surrogate), so it survives UTF-8 storage unchanged. */
export function isWellFormedText(s: string): boolean {
  // A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one.
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
