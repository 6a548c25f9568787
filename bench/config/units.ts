/** Parses a duration: `500ms`, `10s`, `5m`, or a bare number of seconds. Returns milliseconds. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new Error(`${what}: "${text}" is not a duration (e.g. 500ms, 10s, 5m)`);
  const value = Number(m[1]);
  const ms = m[2] === 'ms' ? value : m[2] === 'm' ? value * 60_000 : value * 1000;
  if (ms <= 0) throw new Error(`${what} must be greater than zero`);
  return Math.round(ms);
}

/** Parses a positive integer, with `_` or `,` allowed as digit separators (`20_000`). */
export function parseCount(text: string, what: string, min = 1): number {
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < min) throw new Error(`${what}: "${text}" is not an integer >= ${min}`);
  return n;
}

export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
