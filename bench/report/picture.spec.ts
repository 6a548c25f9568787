import { latencyProfile } from '../measure/latency-profile';
import { percentiles } from '../measure/stats';
import { BenchResult } from '../run/bench';
import { PathLatencies, pictureSections, renderPicture } from './picture';

/**
 * A small well-formedness check: every tag is closed in order, attributes are quoted, and text
 * holds no raw `<` or stray `&`. Returns the element names in document order.
 */
function checkXml(xml: string): string[] {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const names: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let at = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const between = body.slice(at, m.index);
    if (/[<>]/.test(between) || /&(?!(amp|lt|gt|quot|apos);)/.test(between)) throw new Error(`bad text before offset ${m.index}: ${between.slice(0, 40)}`);
    at = m.index + m[0].length;
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      if (stack.pop() !== name) throw new Error(`</${name}> closes the wrong element`);
    } else {
      names.push(name);
      if (!selfClosing) stack.push(name);
    }
  }
  if (body.slice(at).trim() !== '') throw new Error('text after the root element');
  if (stack.length) throw new Error(`unclosed: ${stack.join(', ')}`);
  if (names[0] !== 'svg' || names.filter((n) => n === 'svg').length !== 1) throw new Error('not one svg root');
  return names;
}

/** A path's latencies from synthetic samples: `n` messages over `seconds`, latency `base` ms plus a slow tail. */
function latencies(n: number, seconds: number, base: number, label = 'run'): PathLatencies {
  const times = Float64Array.from({ length: n }, (_, i) => (i / n) * seconds);
  const values = Float64Array.from({ length: n }, (_, i) => base * (1 + (i % 100 === 0 ? 20 : (i % 7) / 7)));
  return { profile: latencyProfile(times, values, n), stats: percentiles(values), label };
}

const seriesOf = (svg: string) => [...svg.matchAll(/data-series="([^"]+)"/g)].map((m) => m[1]);

describe('renderPicture', () => {
  const svg = renderPicture(['bench <run> & "load"'], [{ title: 'one-to-one', raw: latencies(2000, 20, 1), engine: latencies(2000, 20, 5) }])!;

  it('is well-formed XML with one svg root and no external reference', () => {
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(() => checkXml(svg)).not.toThrow();
    expect(svg).toContain('bench &lt;run&gt; &amp; &quot;load&quot;');
    expect(svg).not.toMatch(/href|<script|@import|url\((?!#)/);
  });

  it('draws one path per series: p50, p99 and max over time per path, and both paths in the distribution and the tail', () => {
    expect(seriesOf(svg).sort()).toEqual(
      ['raw p50', 'raw p99', 'raw max', 'engine p50', 'engine p99', 'engine max', 'raw cdf', 'engine cdf', 'raw tail', 'engine tail'].sort(),
    );
    expect(checkXml(svg).filter((n) => n === 'path')).toHaveLength(10);
  });

  it('plots one point per second of the trial, on the same scale for both paths', () => {
    const d = (series: string) => new RegExp(`data-series="${series}" d="([^"]+)"`).exec(svg)![1];
    expect(d('raw p50').split(' L')).toHaveLength(20);
    // The same x positions in the right-hand panel (half the 1,000 px width over); the engine's p50 (5x the raw's) is drawn higher, i.e. at a smaller y.
    const points = (series: string) => d(series).replace(/[ML]/g, '').split(' ').map(Number);
    const raw = points('raw p50');
    const engine = points('engine p50');
    expect(engine[0] - 500).toBeCloseTo(raw[0]);
    expect(engine[1]).toBeLessThan(raw[1]);
  });

  it('says "not run" and "no samples" for a missing path, and is null with no samples at all', () => {
    const one = renderPicture(['x'], [{ title: 't', raw: latencies(100, 2, 1), engine: null }])!;
    expect(() => checkXml(one)).not.toThrow();
    expect(one).toContain('engine: not run');
    expect(one).toContain('no samples');
    expect(seriesOf(one).filter((s) => s.startsWith('engine'))).toEqual([]);
    expect(renderPicture(['x'], [{ title: 't', raw: null, engine: { profile: null, stats: null, label: 'run' } }])).toBeNull();
  });

  it('stacks one section per class of groups', () => {
    const two = renderPicture(['x'], [
      { title: 'a', raw: latencies(100, 2, 1), engine: latencies(100, 2, 2) },
      { title: 'b', raw: latencies(100, 2, 1), engine: latencies(100, 2, 2) },
    ])!;
    expect(() => checkXml(two)).not.toThrow();
    expect(seriesOf(two)).toHaveLength(20);
    // Clip paths are per panel: ids must not repeat.
    const ids = [...two.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('pictureSections', () => {
  it('takes the one-to-one trials that stand for each path, and the fan-out classes send -> last member', () => {
    const l = latencies(10, 1, 1);
    const trial = (label: string) => ({ label, latencyProfile: l.profile, latency: l.stats });
    const direct = { phases: { raw: { trials: [trial('run')] }, engine: { trials: [trial('run')] } } } as unknown as BenchResult;
    expect(pictureSections(direct)).toEqual([{ title: expect.stringContaining('send -> receive'), raw: l, engine: l }]);

    const klass = { shape: { groups: 2, members: 10 }, trial: { label: '2x10', lastReceiptProfile: l.profile, lastReceipt: l.stats } };
    const fanout = { phases: {}, fanout: { raw: { classes: [klass], mixed: null } } } as unknown as BenchResult;
    expect(pictureSections(fanout)).toEqual([{ title: 'groups 2 x 10 (groups x members): send -> last member', raw: { ...l, label: '2x10' }, engine: null }]);
  });
});
