import { plainToInstance } from 'class-transformer';
import { IsOptional, validate } from 'class-validator';
import { FREE_FORM_LIMITS } from '@app/protocol';
import { IsFreeForm } from './free-form.decorator';
import { IsStorableText } from './storable-text.decorator';

class Profile {
  @IsOptional()
  @IsFreeForm()
  metadata?: Record<string, unknown>;

  @IsOptional()
  @IsStorableText()
  name?: unknown;
}

async function problems(plain: object): Promise<string[]> {
  const errors = await validate(plainToInstance(Profile, plain));
  return errors.flatMap((e) => Object.values(e.constraints ?? {}));
}

const nested = (depth: number): Record<string, unknown> => {
  let v: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) v = { a: v };
  return v;
};

describe('IsFreeForm', () => {
  it('accepts any keys, the ones databases refuse included, nested arrays and the limits themselves', async () => {
    const metadata = { $gt: '', 'a.b': 1, 'a\u0000b': [[1, 2], [3]], x: { $where: null, y: [true, 'é😀'] }, ['k'.repeat(FREE_FORM_LIMITS.keyLength)]: 1 };
    expect(await problems({ metadata })).toEqual([]);
    expect(await problems({ metadata: nested(FREE_FORM_LIMITS.depth) })).toEqual([]);
  });

  it('refuses, with a message naming the field, what JSON text cannot carry back', async () => {
    const cases: Array<[unknown, RegExp]> = [
      ['text', /metadata must be a JSON object/],
      [[1], /metadata must be a JSON object/],
      [nested(FREE_FORM_LIMITS.depth + 1), /nested deeper than 16/],
      [{ a: Infinity }, /metadata\.a must be a finite number/],
      [{ a: NaN }, /finite number/],
      [{ a: 'x\uD800' }, /well-formed/],
      [{ ['\uDC00']: 1 }, /key that is not well-formed/],
      [{ ['k'.repeat(FREE_FORM_LIMITS.keyLength + 1)]: 1 }, /key longer than 256/],
    ];
    for (const [metadata, message] of cases) {
      expect(await problems({ metadata })).toEqual([expect.stringMatching(message)]);
    }
  });
});

describe('IsStorableText', () => {
  it('refuses NUL and lone surrogates, and leaves other types to their own rules', async () => {
    expect(await problems({ name: 'Zoë 😀' })).toEqual([]);
    expect(await problems({ name: 5 })).toEqual([]);
    for (const name of ['a\u0000b', 'a\uD83D', '\uDE00b']) {
      expect(await problems({ name })).toEqual(['name must be well-formed Unicode text without NUL characters']);
    }
  });
});
