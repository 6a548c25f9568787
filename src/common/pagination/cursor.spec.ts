import { DomainError } from '../errors';
import { decodeCursor, encodeCursor } from './cursor';

const forged = (json: string) => Buffer.from(json).toString('base64url');

describe('cursors', () => {
  it('decode what they encoded', () => {
    expect(decodeCursor(encodeCursor({ t: 5, id: 'a:b' }), { t: 'number', id: 'string' })).toEqual({ t: 5, id: 'a:b' });
  });

  it('refuse a forged cursor with VALIDATION_FAILED, before any query', () => {
    for (const cursor of ['zzz', forged('[]'), forged('{"id":1}'), forged('{"id":"a\\u0000b"}'), forged('{"id":"\\ud800"}'), forged('{"t":1e400,"id":"x"}')]) {
      expect(() => decodeCursor(cursor, { t: 'number', id: 'string' })).toThrow(DomainError);
    }
  });
});
