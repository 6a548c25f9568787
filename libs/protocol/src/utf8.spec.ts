import { utf8Length } from './utf8';

const samples = ['', 'hello', 'héllo', '你好', '👋 hi', 'lone \ud800 surrogate', 'x'.repeat(70_000)];

describe('utf8Length', () => {
  it("counts a text's UTF-8 bytes", () => {
    for (const text of samples) expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
    expect(utf8Length('👋')).toBe(4);
  });

  it('counts the same where there is no Buffer (a browser)', () => {
    const withBuffer = samples.map(utf8Length);
    const buffer = globalThis.Buffer;
    try {
      (globalThis as { Buffer?: unknown }).Buffer = undefined;
      expect(samples.map(utf8Length)).toEqual(withBuffer);
    } finally {
      globalThis.Buffer = buffer;
    }
  });
});
