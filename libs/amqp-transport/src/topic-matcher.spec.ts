import { expandPattern, TopicMatcher } from './topic-matcher';

describe('TopicMatcher', () => {
  it.each([
    ['a.b.c', 'a.b.c', true],
    ['a.*.c', 'a.b.c', true],
    ['a.*.c', 'a.b.x.c', false],
    ['a.#', 'a', true],
    ['a.#', 'a.b.c', true],
    ['a.#.outgoing', 'a.x.y.outgoing', true],
    ['a.#.outgoing', 'a.outgoing', true],
    ['a.#.outgoing', 'a.x.outgoingx', false],
    ['#', 'anything.at.all', true],
    ['a.*', 'a', false],
    ['*.b.#.z', 'a.b.z', true],
    ['*.b.#.z', 'a.b.c.d.z.z', true],
    ['a.b', 'a.b.c', false],
  ])('%s vs %s -> %s', (pattern, key, expected) => {
    expect(new TopicMatcher(pattern).matches(key)).toBe(expected);
  });
});

describe('expandPattern', () => {
  it('fills placeholders and refuses unknown ones', () => {
    expect(expandPattern('{prefix}.*.outgoing', { prefix: 'apps.x' })).toBe('apps.x.*.outgoing');
    expect(() => expandPattern('{nope}.a', {})).toThrow(/unknown variable/);
  });
});
