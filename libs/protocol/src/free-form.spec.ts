import { FREE_FORM_LIMITS, freeFormProblem, isWellFormedText } from './free-form';

function nested(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) v = { a: v };
  return v;
}

describe('freeFormProblem', () => {
  it.each([
    [{ a: 1, b: 'x', c: [1, [2, 3], { d: null }], e: true }],
    [{ 'a\u0000b': 1, $gt: '', 'a.b': { $where: 'x' }, arr: [{ $ne: 1 }] }],
    [nested(FREE_FORM_LIMITS.depth)],
    [{ big: 1e308, small: -5e-324 }],
  ])('accepts what JSON text carries back exactly: %j', (value) => {
    expect(freeFormProblem(value, 'attributes')).toBeNull();
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
  });

  it.each([
    [[1], /must be a JSON object/],
    ['x', /must be a JSON object/],
    [{ n: Infinity }, /attributes\.n must be a finite number/],
    [JSON.parse('{"n":1e400}'), /finite number/],
    [{ a: [NaN] }, /attributes\.a\[0\] must be a finite number/],
    [nested(FREE_FORM_LIMITS.depth + 1), /nested deeper than 16/],
    [{ s: 'a\uD800' }, /well-formed/],
    [{ ['k'.repeat(FREE_FORM_LIMITS.keyLength + 1)]: 1 }, /key longer than/],
    [{ f: () => 1 }, /not a JSON value/],
  ])('refuses %p', (value, reason) => {
    expect(freeFormProblem(value, 'attributes')).toMatch(reason);
  });

  it('survives nesting far deeper than the stack (10,000 levels) without throwing', () => {
    const deep = JSON.parse('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000));
    expect(freeFormProblem(deep, 'metadata')).toMatch(/nested deeper/);
    const arrays = JSON.parse('{"a":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}');
    expect(freeFormProblem(arrays, 'metadata')).toMatch(/nested deeper/);
  });
});

describe('isWellFormedText', () => {
  it('tells lone surrogates from pairs', () => {
    expect(isWellFormedText('a\uD83D\uDE00b')).toBe(true);
    expect(isWellFormedText('\uD83D')).toBe(false);
    expect(isWellFormedText('\uDE00x')).toBe(false);
  });
});
