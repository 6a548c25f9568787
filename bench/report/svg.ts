/** Small helpers to build a self-contained SVG as a string: escaping, elements, scales, paths. */

/** Text or an attribute value made safe for XML. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

type Attrs = Record<string, string | number | undefined>;

/** One element; `children` is markup already built (escape text with `esc`); attributes left undefined are dropped. */
export function el(tag: string, attrs: Attrs, children: string | string[] = ''): string {
  const a = Object.entries(attrs)
    .flatMap(([k, v]) => (v === undefined ? [] : [` ${k}="${esc(typeof v === 'number' ? round(v) : v)}"`]))
    .join('');
  const inner = Array.isArray(children) ? children.join('') : children;
  return inner === '' ? `<${tag}${a}/>` : `<${tag}${a}>${inner}</${tag}>`;
}

/** A coordinate with at most two decimals (a picture needs no more). */
export function round(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** Maps a domain [lo, hi] onto the range [from, to] (pixels; `to` < `from` for a y axis), with tick values. */
export interface Scale {
  (v: number): number;
  domain: [number, number];
  ticks: number[];
}

/**
 * A log-10 scale over [lo, hi] widened to whole decades; ticks at every decade, and at 2 and 5
 * times it when the domain spans at most two decades. Values at or below 0 map to `from`.
 */
export function logScale(lo: number, hi: number, from: number, to: number): Scale {
  const a = Math.floor(Math.log10(Math.max(lo, 1e-9)));
  const b = Math.max(a + 1, Math.ceil(Math.log10(Math.max(hi, lo, 1e-9))));
  const map = (v: number) => (v <= 0 ? from : from + ((Math.log10(v) - a) / (b - a)) * (to - from));
  const ticks: number[] = [];
  for (let k = a; k <= b; k++) {
    ticks.push(10 ** k);
    if (b - a <= 2 && k < b) ticks.push(2 * 10 ** k, 5 * 10 ** k);
  }
  return Object.assign(map, { domain: [10 ** a, 10 ** b] as [number, number], ticks: ticks.map(tidy) });
}

/** A linear scale from 0 (or lo) to hi widened to a round step; about `count` ticks of 1, 2 or 5 times a power of ten. */
export function linearScale(lo: number, hi: number, from: number, to: number, count = 6): Scale {
  const span = hi > lo ? hi - lo : 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const start = Math.floor(lo / step) * step;
  const end = Math.max(start + step, Math.ceil(hi / step) * step);
  const map = (v: number) => from + ((v - start) / (end - start)) * (to - from);
  const ticks: number[] = [];
  for (let v = start; v <= end + step / 2; v += step) ticks.push(tidy(v));
  return Object.assign(map, { domain: [start, end] as [number, number], ticks });
}

/** Drops floating-point noise (0.30000000000000004 -> 0.3). */
function tidy(v: number): number {
  return Number(v.toPrecision(12));
}

/** A polyline as path data ("M x y L x y ..."); empty for no points. */
export function pathData(points: ReadonlyArray<readonly [number, number]>): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${round(x)} ${round(y)}`).join(' ');
}

/** A tick's label: thousands separated, no trailing zeros (0.01, 0.5, 20, 1,000); below 0.001 as a power (1e-4). */
export function tickLabel(v: number): string {
  if (v > 0 && v < 0.001) return v.toExponential(0);
  return v.toLocaleString('en-US', { maximumFractionDigits: 3 });
}
