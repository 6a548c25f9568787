import { formatDuration, parseCount, parseDuration } from './units';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['30', 30_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text, 'x')).toBe(ms));

  it.each(['', 'ten', '-1s', '0s', '5h'])('refuses %p', (text) => expect(() => parseDuration(text, '--duration')).toThrow(/--duration/));
});

describe('parseCount', () => {
  it('accepts digit separators', () => expect(parseCount('20_000', 'n')).toBe(20_000));
  it.each(['0', '1.5', 'x', '-3'])('refuses %p', (text) => expect(() => parseCount(text, '--users')).toThrow(/--users/));
});

describe('formatDuration', () => {
  it.each([
    [300_000, '5m'],
    [10_000, '10s'],
    [1500, '1500ms'],
  ])('%d ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
