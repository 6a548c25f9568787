/** A Prometheus histogram's cumulative buckets (upper bound `le`, count of observations <= le). */
export interface Histogram {
  buckets: Array<{ le: number; count: number }>;
  sum: number;
  count: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseLabels(text: string | undefined): Map<string, string> {
  const labels = new Map<string, string>();
  if (text) for (const m of text.matchAll(LABEL)) labels.set(m[1], m[2]);
  return labels;
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/**
 * The series of one histogram in Prometheus' text format, by the value of one label (e.g.
 * `operation`); series without that label are keyed by "".
 */
export function parseHistograms(text: string, name: string, byLabel: string): Map<string, Histogram> {
  const out = new Map<string, Histogram>();
  const series = (key: string) => {
    let h = out.get(key);
    if (!h) out.set(key, (h = { buckets: [], sum: 0, count: 0 }));
    return h;
  };
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m || !m[1].startsWith(name)) continue;
    const suffix = m[1].slice(name.length);
    const labels = parseLabels(m[2]);
    const key = labels.get(byLabel) ?? '';
    const value = parseValue(m[3]);
    if (suffix === '_bucket' && labels.has('le')) series(key).buckets.push({ le: parseValue(labels.get('le')!), count: value });
    else if (suffix === '_sum') series(key).sum = value;
    else if (suffix === '_count') series(key).count = value;
  }
  for (const h of out.values()) h.buckets.sort((a, b) => a.le - b.le);
  return out;
}

/** The observations made between two scrapes of the same histogram. */
export function subtract(after: Histogram, before: Histogram | undefined): Histogram {
  if (!before) return after;
  const earlier = new Map(before.buckets.map((b) => [b.le, b.count]));
  return {
    buckets: after.buckets.map((b) => ({ le: b.le, count: b.count - (earlier.get(b.le) ?? 0) })),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

/**
 * The q-quantile estimated from the buckets, as Prometheus' histogram_quantile does: linear
 * within the bucket it falls in; the highest finite bound when it falls in the +Inf bucket.
 */
export function quantile(h: Histogram, q: number): number | null {
  const total = h.buckets.length ? h.buckets[h.buckets.length - 1].count : 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lowerBound;
      const inBucket = b.count - lowerCount;
      return inBucket <= 0 ? b.le : lowerBound + (b.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = b.le;
    lowerCount = b.count;
  }
  return lowerBound;
}
