import { writeFileSync } from 'node:fs';
import { describeLoad } from '../config/args';
import { PathName } from '../config/bench-config';
import { LatencyProfile } from '../measure/latency-profile';
import { Percentiles } from '../measure/stats';
import { BenchResult } from '../run/bench';
import { fanoutPairs } from './fanout-figures';
import { representativeTrial } from './figures';
import { el, esc, linearScale, logScale, pathData, round, Scale, tickLabel } from './svg';

/** One path's latencies in a section of the picture. */
export interface PathLatencies {
  profile: LatencyProfile | null;
  stats: Percentiles | null;
  /** The trial's label (its rate in a search). */
  label: string;
}

/** A section: one kind of latency, raw broker beside engine. */
export interface PictureSection {
  title: string;
  raw: PathLatencies | null;
  engine: PathLatencies | null;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Line {
  /** Names the series (`data-series`), e.g. "engine p99". */
  series: string;
  color: string;
  width: number;
  dash?: string;
  opacity?: number;
  points: Array<[number, number]>;
}

const WIDTH = 1000;
const PANEL_H = 280;
const MARGIN = { left: 62, right: 18, top: 56, bottom: 42 };
const COLOR: Record<PathName, string> = { raw: '#1f77b4', engine: '#d62728' };
const NAME: Record<PathName, string> = { raw: 'raw broker', engine: 'engine' };
const PATHS: PathName[] = ['raw', 'engine'];

const ms = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: v < 10 ? 2 : v < 100 ? 1 : 0 });

function text(x: number, y: number, content: string, attrs: Record<string, string | number> = {}): string {
  return el('text', { x, y, ...attrs }, esc(content));
}

/** A panel's frame, grid, ticks and axis labels; `x` and `y` already map onto the inner box. */
function axes(box: Box, x: Scale, y: Scale, xLabel: string, yLabel: string): string {
  const parts: string[] = [el('rect', { x: box.x, y: box.y, width: box.w, height: box.h, fill: 'none', stroke: '#999' })];
  for (const t of x.ticks) {
    const px = x(t);
    if (px < box.x - 0.5 || px > box.x + box.w + 0.5) continue;
    parts.push(el('line', { x1: px, y1: box.y, x2: px, y2: box.y + box.h, stroke: '#eee' }));
    parts.push(text(px, box.y + box.h + 14, tickLabel(t), { 'text-anchor': 'middle' }));
  }
  for (const t of y.ticks) {
    const py = y(t);
    if (py < box.y - 0.5 || py > box.y + box.h + 0.5) continue;
    parts.push(el('line', { x1: box.x, y1: py, x2: box.x + box.w, y2: py, stroke: '#eee' }));
    parts.push(text(box.x - 5, py + 4, tickLabel(t), { 'text-anchor': 'end' }));
  }
  parts.push(text(box.x + box.w / 2, box.y + box.h + 32, xLabel, { 'text-anchor': 'middle' }));
  const cy = box.y + box.h / 2;
  parts.push(text(box.x - 48, cy, yLabel, { 'text-anchor': 'middle', transform: `rotate(-90 ${round(box.x - 48)} ${round(cy)})` }));
  return parts.join('');
}

/** A panel: title, axes, one path per line (clipped to the box), a legend. */
function panel(id: string, outer: Box, title: string, scales: (inner: Box) => { x: Scale; y: Scale }, labels: [string, string], lines: Line[], legend: Array<[string, string]>): string {
  const box = { x: outer.x + MARGIN.left, y: outer.y + MARGIN.top, w: outer.w - MARGIN.left - MARGIN.right, h: outer.h - MARGIN.top - MARGIN.bottom };
  const { x, y } = scales(box);
  const parts = [text(box.x, outer.y + 16, title, { 'font-weight': 'bold' })];
  parts.push(el('clipPath', { id }, el('rect', { x: box.x, y: box.y, width: box.w, height: box.h })));
  parts.push(axes(box, x, y, labels[0], labels[1]));
  if (lines.every((l) => l.points.length === 0)) parts.push(text(box.x + box.w / 2, box.y + box.h / 2, 'no samples', { 'text-anchor': 'middle', fill: '#999' }));
  const drawn = lines
    .filter((l) => l.points.length > 0)
    .map((l) =>
      el('path', {
        'data-series': l.series,
        d: pathData(l.points.map(([vx, vy]) => [x(vx), y(vy)])),
        fill: 'none',
        stroke: l.color,
        'stroke-width': l.width,
        'stroke-dasharray': l.dash,
        'stroke-opacity': l.opacity,
        'stroke-linejoin': 'round',
      }),
    );
  parts.push(el('g', { 'clip-path': `url(#${id})` }, drawn));
  // Above the box, so it hides no line (two lines at most).
  legend.forEach(([color, label], i) => parts.push(text(box.x, outer.y + 31 + i * 13, label, { fill: color, 'font-size': 10 })));
  return parts.join('');
}

function bounds(values: number[], fallback: [number, number]): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v) && v > 0);
  return finite.length ? [Math.min(...finite), Math.max(...finite)] : fallback;
}

/** The two rows of a section: latency over time per path, then the distribution of both paths. */
function section(s: PictureSection, top: number, n: number): string {
  const half = WIDTH / 2;
  const present = PATHS.map((p) => [p, s[p]] as const).filter((e): e is readonly [PathName, PathLatencies] => e[1] !== null);
  const profiles = present.flatMap(([, l]) => (l.profile ? [l.profile] : []));
  const parts = [text(10, top + 18, s.title, { 'font-size': 15, 'font-weight': 'bold' })];

  // Over time: the same scales on both panels, so they compare at a glance.
  const bins = profiles.flatMap((p) => p.timeline);
  const [yLo, yHi] = bounds(bins.flatMap((b) => [b.p50, b.max]), [1, 10]);
  const tEnd = Math.max(1, ...profiles.map((p) => (p.timeline.at(-1)?.t ?? 0) + p.binSeconds));
  PATHS.forEach((path, i) => {
    const l = s[path];
    const lines: Line[] = [];
    const legend: Array<[string, string]> = [];
    if (l?.profile) {
      const mid = (t: number) => t + l.profile!.binSeconds / 2;
      const tl = l.profile.timeline;
      lines.push(
        { series: `${path} max`, color: COLOR[path], width: 0.8, dash: '1 3', points: tl.map((b) => [mid(b.t), b.max]) },
        { series: `${path} p99`, color: COLOR[path], width: 1.4, dash: '6 3', points: tl.map((b) => [mid(b.t), b.p99]) },
        { series: `${path} p50`, color: COLOR[path], width: 2.2, points: tl.map((b) => [mid(b.t), b.p50]) },
      );
      legend.push([COLOR[path], `per ${l.profile.binSeconds} s: p50 solid, p99 dashed, max dotted`]);
    }
    if (l?.stats) legend.push(['#333', `whole trial: p50 ${ms(l.stats.p50)}, p99 ${ms(l.stats.p99)}, max ${ms(l.stats.max)} ms (${l.stats.count.toLocaleString('en-US')} messages)`]);
    const title = `${NAME[path]}${l ? ` (${l.label})` : ': not run'}: latency over time`;
    parts.push(
      panel(`c${n}t${i}`, { x: i * half, y: top + 26, w: half, h: PANEL_H }, title, (b) => ({ x: linearScale(0, tEnd, b.x, b.x + b.w), y: logScale(yLo, yHi, b.y + b.h, b.y) }), ['seconds into the trial (by scheduled send)', 'ms (log)'], lines, legend),
    );
  });

  // The distribution: both paths on one panel, then the tail (share slower than x) on log-log.
  const cdfs = present.flatMap(([path, l]) => (l.profile ? [{ path, cdf: l.profile.cdf }] : []));
  const [xLo, xHi] = bounds(cdfs.flatMap((c) => c.cdf.map(([x]) => x)), [1, 10]);
  const xScale = (b: Box) => logScale(xLo, xHi, b.x, b.x + b.w);
  const legend: Array<[string, string]> = cdfs.map(({ path }) => [COLOR[path], NAME[path]]);
  const cdfLines: Line[] = cdfs.map(({ path, cdf }) => ({ series: `${path} cdf`, color: COLOR[path], width: 2, points: cdf }));
  const rowTop = top + 26 + PANEL_H;
  parts.push(panel(`c${n}d0`, { x: 0, y: rowTop, w: half, h: PANEL_H }, 'distribution: share of messages within x', (b) => ({ x: xScale(b), y: linearScale(0, 1, b.y + b.h, b.y, 5) }), ['ms (log)', 'share'], cdfLines, legend));
  const tails = cdfs.map(({ path, cdf }) => ({ path, points: cdf.map(([x, f]) => [x, 1 - f] as [number, number]).filter(([, g]) => g > 1e-9) }));
  const [gLo] = bounds(tails.flatMap((t) => t.points.map(([, g]) => g)), [0.01, 1]);
  const tailLines: Line[] = tails.map(({ path, points }) => ({ series: `${path} tail`, color: COLOR[path], width: 2, points }));
  parts.push(panel(`c${n}d1`, { x: half, y: rowTop, w: half, h: PANEL_H }, 'tail: share of messages slower than x', (b) => ({ x: xScale(b), y: logScale(gLo, 1, b.y + b.h, b.y) }), ['ms (log)', 'share (log)'], tailLines, legend));
  return parts.join('');
}

const SECTION_H = 26 + 2 * PANEL_H + 10;

/** The picture of sections, or null when no section has a sample. */
export function renderPicture(heading: string[], sections: PictureSection[]): string | null {
  if (!sections.some((s) => s.raw?.profile || s.engine?.profile)) return null;
  const top = 16 + heading.length * 16;
  const height = top + sections.length * SECTION_H;
  const body = [
    el('rect', { width: WIDTH, height, fill: 'white' }),
    ...heading.map((h, i) => text(10, 20 + i * 16, h, i === 0 ? { 'font-size': 15, 'font-weight': 'bold' } : {})),
    ...sections.map((s, i) => section(s, top + i * SECTION_H, i)),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n${el('svg', { xmlns: 'http://www.w3.org/2000/svg', width: WIDTH, height, viewBox: `0 0 ${WIDTH} ${height}`, 'font-family': 'sans-serif', 'font-size': 11 }, body)}\n`;
}

/** The run's sections: one-to-one send -> receive, or per class of groups send -> last member. */
export function pictureSections(result: BenchResult): PictureSection[] {
  if (result.fanout) {
    return fanoutPairs(result.fanout).map((pair) => {
      const of = (c: typeof pair.raw): PathLatencies | null => (c ? { profile: c.trial.lastReceiptProfile, stats: c.trial.lastReceipt, label: c.trial.label } : null);
      return { title: `groups ${pair.label} (groups x members): send -> last member`, raw: of(pair.raw), engine: of(pair.engine) };
    });
  }
  const of = (path: PathName): PathLatencies | null => {
    const t = representativeTrial(result.phases[path]);
    return t ? { profile: t.latencyProfile, stats: t.latency, label: t.label } : null;
  };
  return [{ title: 'one-to-one: send -> receive (from the scheduled send)', raw: of('raw'), engine: of('engine') }];
}

/** The run's picture as a self-contained SVG, or null when it has no latency sample. */
export function pictureSvg(result: BenchResult): string | null {
  return renderPicture([`messaging-engine benchmark, ${result.startedAt}`, `load: ${describeLoad(result.config)}`], pictureSections(result));
}

/** Writes the run's picture to `file`; false (and nothing written) when the run has no latency sample. */
export function writePicture(file: string, result: BenchResult): boolean {
  const svg = pictureSvg(result);
  if (svg !== null) writeFileSync(file, svg);
  return svg !== null;
}
