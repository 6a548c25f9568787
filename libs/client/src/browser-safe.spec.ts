import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The SDK runs in browsers too (the web app at /app bundles it): none of its code, nor the protocol's, may import Node's modules. */
describe('the SDK in a browser', () => {
  const libs = join(__dirname, '..', '..');
  const sources = ['client', 'protocol', 'backoff'].flatMap((lib) =>
    readdirSync(join(libs, lib, 'src'))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
      .map((f) => join(libs, lib, 'src', f)),
  );

  it('imports nothing of Node: no node: module, no Buffer call', () => {
    expect(sources.length).toBeGreaterThan(20);
    const offending = sources.filter((file) => {
      const code = readFileSync(file, 'utf8');
      return /from '(node:|net'|tls'|fs'|crypto'|os')/.test(code) || /require\(/.test(code) || /Buffer\.(byteLength|from|alloc|concat)\(/.test(code.replace(/typeof Buffer[^\n]*\n/, ''));
    });
    expect(offending).toEqual([]);
  });
});
