import { el, esc, linearScale, logScale, pathData, tickLabel } from './svg';

describe('esc and el', () => {
  it('escapes markup in text and attributes', () => {
    expect(esc('a < b & "c" > d')).toBe('a &lt; b &amp; &quot;c&quot; &gt; d');
    expect(el('text', { x: 1.005, title: 'p<99' }, esc('1 < 2'))).toBe('<text x="1" title="p&lt;99">1 &lt; 2</text>');
  });

  it('closes empty elements itself, joins children and drops undefined attributes', () => {
    expect(el('line', { x1: 0, stroke: undefined })).toBe('<line x1="0"/>');
    expect(el('g', {}, [el('a', {}), el('b', {})])).toBe('<g><a/><b/></g>');
  });
});

describe('logScale', () => {
  it('widens to whole decades and maps them evenly', () => {
    const s = logScale(1.3, 420, 300, 0); // a y axis: larger values higher up
    expect(s.domain).toEqual([1, 1000]);
    expect(s(1)).toBeCloseTo(300);
    expect(s(10)).toBeCloseTo(200);
    expect(s(100)).toBeCloseTo(100);
    expect(s(1000)).toBeCloseTo(0);
    expect(s.ticks).toEqual([1, 10, 100, 1000]);
  });

  it('adds 2 and 5 ticks over two decades or less, and keeps values at or below 0 at the start', () => {
    const s = logScale(0.2, 30, 0, 100);
    expect(s.domain).toEqual([0.1, 100]);
    expect(logScale(0.2, 8, 0, 100).ticks).toEqual([0.1, 0.2, 0.5, 1, 2, 5, 10]);
    expect(s(0)).toBe(0);
    expect(s(-5)).toBe(0);
  });

  it('spans at least one decade for a single value', () => {
    const s = logScale(10, 10, 0, 100);
    expect(s.domain).toEqual([10, 100]);
    expect(s(10)).toBe(0);
  });
});

describe('linearScale', () => {
  it('rounds the end up to a step of 1, 2 or 5 times a power of ten', () => {
    const s = linearScale(0, 23, 0, 460);
    expect(s.ticks).toEqual([0, 5, 10, 15, 20, 25]);
    expect(s(25)).toBeCloseTo(460);
    expect(s(12.5)).toBeCloseTo(230);
    expect(linearScale(0, 1, 0, 100, 5).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('has a span even with nothing to span', () => {
    const s = linearScale(0, 0, 0, 100);
    expect(s.domain[1]).toBeGreaterThan(0);
    expect(Number.isFinite(s(0))).toBe(true);
  });
});

describe('pathData and tickLabel', () => {
  it('draws a polyline with two decimals', () => {
    expect(pathData([[0, 1], [2.345, 3.001]])).toBe('M0 1 L2.35 3');
    expect(pathData([])).toBe('');
  });

  it('labels ticks with separators and no trailing zeros', () => {
    expect([0.01, 0.5, 20, 1000, 10000].map(tickLabel)).toEqual(['0.01', '0.5', '20', '1,000', '10,000']);
    expect([0.001, 0.0001, 0.00002].map(tickLabel)).toEqual(['0.001', '1e-4', '2e-5']);
  });
});
