import { RejectionCode } from './codes';
import { parseBlockCommand, parseOutgoing } from './validation';

describe('parseOutgoing', () => {
  it('accepts a minimal message and defaults the type', () => {
    expect(parseOutgoing('{"text":"hi"}')).toEqual({ ok: true, value: { text: 'hi', type: 'text' } });
  });

  it('keeps known fields and drops unknown ones', () => {
    const result = parseOutgoing(
      JSON.stringify({ text: 'x', type: 'image', client_message_id: 'c1', attributes: { a: 1 }, metadata: {}, sender_fullname: 'A', recipient_fullname: 'B', sender: 'mallory', extra: 1 }),
    );
    expect(result).toEqual({
      ok: true,
      value: { text: 'x', type: 'image', client_message_id: 'c1', attributes: { a: 1 }, metadata: {}, sender_fullname: 'A', recipient_fullname: 'B' },
    });
  });

  it.each([
    ['{nope', /not valid JSON/],
    ['"a string"', /JSON object/],
    ['[1]', /JSON object/],
    ['null', /JSON object/],
    ['{"text":1}', /text must be a string/],
    ['{"text":"  "}', /must not be empty/],
    ['{"text":"x","type":"Bad Type"}', /type must match/],
    ['{"text":"x","attributes":[1]}', /attributes must be a JSON object/],
    ['{"text":"x","client_message_id":""}', /client_message_id/],
    [`{"text":"x","sender_fullname":"${'n'.repeat(300)}"}`, /sender_fullname/],
    ['{"text":"a\\u0000b"}', /without NUL/],
    ['{"text":"\\ud800"}', /well-formed/],
    ['{"text":"x","client_message_id":"a\\u0000"}', /client_message_id/],
    ['{"text":"x","type":"system"}', /reserved/],
    ['{"text":"x","attributes":{"system":true}}', /attributes\.system is reserved/],
    ['{"text":"x","attributes":{"n":1e400}}', /finite number/],
    ['{"text":"x","metadata":' + '{"a":'.repeat(20) + '1' + '}'.repeat(20) + '}', /nested deeper/],
    ['{"text":"x","sender_fullname":"\\udc00"}', /sender_fullname/],
  ])('refuses %s with INVALID_PAYLOAD', (body, reason) => {
    const result = parseOutgoing(body);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe(RejectionCode.INVALID_PAYLOAD);
      expect(result.reason).toMatch(reason);
    }
  });

  it('echoes a valid client_message_id when another field is wrong', () => {
    const result = parseOutgoing('{"text":5,"client_message_id":"c9"}');
    expect(result).toMatchObject({ ok: false, clientMessageId: 'c9' });
  });

  it('refuses a body over the limit before parsing it', () => {
    const result = parseOutgoing(Buffer.from(`{"text":"${'x'.repeat(100)}"}`), 50);
    expect(result).toMatchObject({ ok: false, code: RejectionCode.PAYLOAD_TOO_LARGE });
  });

  it('measures the body again as the engine encodes it: what grows past the limit is refused', () => {
    // 1e20 is written out in full (21 digits), an invalid UTF-8 byte becomes U+FFFD (3 bytes).
    const numbers = `{"text":"x","attributes":{"n":[${Array(40).fill('1e20').join(',')}]}}`;
    const invalid = Buffer.concat([Buffer.from('{"text":"'), Buffer.alloc(100, 0xff), Buffer.from('"}')]);
    for (const body of [Buffer.from(numbers), invalid]) {
      expect(body.length).toBeLessThanOrEqual(250);
      const result = parseOutgoing(body, 250);
      expect(result).toMatchObject({ ok: false, code: RejectionCode.PAYLOAD_TOO_LARGE, reason: expect.stringMatching(/as the engine encodes it/) });
      expect(parseOutgoing(body, 1000).ok).toBe(true);
    }
    // What the client sent at exactly the limit, already in the engine's encoding, passes.
    const exact = JSON.stringify({ text: 'y'.repeat(50), type: 'text' });
    expect(parseOutgoing(exact, Buffer.byteLength(exact)).ok).toBe(true);
  });

  it('keeps keys a database would refuse, as the client sent them', () => {
    const attributes = { 'a\u0000b': 1, $gt: '', 'a.b': [[1, 2], [3]], deep: { $where: 'x' } };
    expect(parseOutgoing(JSON.stringify({ text: 'x', attributes }))).toEqual({ ok: true, value: { text: 'x', type: 'text', attributes } });
  });

  it('allows an empty text for non-text types', () => {
    expect(parseOutgoing('{"text":"","type":"image"}').ok).toBe(true);
  });
});

describe('parseBlockCommand', () => {
  it('accepts block and unblock', () => {
    expect(parseBlockCommand('{"action":"block"}')).toEqual({ ok: true, value: { action: 'block' } });
    expect(parseBlockCommand('{"action":"unblock"}')).toEqual({ ok: true, value: { action: 'unblock' } });
  });

  it.each(['{"action":"ban"}', '{}', 'x'])('refuses %s', (body) => {
    expect(parseBlockCommand(body)).toMatchObject({ ok: false, code: RejectionCode.INVALID_PAYLOAD });
  });
});
