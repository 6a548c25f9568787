import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateEnv } from './env.validation';

const root = join(__dirname, '../..');

/** Every setting the engine reads, from the schema itself (defaults make them own properties). */
function settings(): string[] {
  return Object.keys(validateEnv({ JWT_SECRET: 'x'.repeat(32) })).filter((k) => /^[A-Z][A-Z0-9_]*$/.test(k));
}

describe('settings documentation', () => {
  const names = settings();

  it('finds the settings', () => {
    expect(names).toEqual(expect.arrayContaining(['JWT_SECRET', 'RABBITMQ_PORT', 'RABBITMQ_USER', 'JWT_PREVIOUS_KEYS', 'PATH_PREFIX']));
    expect(names.length).toBeGreaterThan(20);
  });

  it('lists every setting in .env.example', () => {
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    const missing = names.filter((n) => !new RegExp(`^#? ?${n}=`, 'm').test(example));
    expect(missing).toEqual([]);
  });

  it('lists every setting in the README configuration table', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const missing = names.filter((n) => !readme.includes(`\`${n}\``));
    expect(missing).toEqual([]);
  });
});
