import { buildOutgoing } from '../../libs/client/src/outgoing';
import { body, clientMessageId, seqOf, textFor } from './payload';

describe('payload', () => {
  it('makes bodies of exactly the asked size, whatever the sequence number', () => {
    const text = textFor(100, 'ab12');
    for (const seq of [0, 7, 123_456_789]) expect(Buffer.byteLength(body(text, clientMessageId('ab12', seq)))).toBe(100);
  });

  it('publishes on the raw path the very body the SDK builds for the engine path', () => {
    const id = clientMessageId('ab12', 42);
    const text = textFor(100, 'ab12');
    const sdk = buildOutgoing('bob', text, { clientMessageId: id }, 65536);
    expect(sdk.ok && sdk.body).toBe(body(text, id));
  });

  it('reads the sequence number back only from ids of its own tag', () => {
    expect(seqOf('ab12', clientMessageId('ab12', 42))).toBe(42);
    expect(seqOf('ab12', clientMessageId('zz99', 42))).toBeNull();
    expect(seqOf('ab12', 'ab12-42')).toBeNull();
    expect(seqOf('ab12', undefined)).toBeNull();
  });

  it('keeps at least one character of text when the size is too small', () => {
    expect(textFor(5, 'ab12')).toBe('x');
  });
});
