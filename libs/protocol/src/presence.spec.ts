import { ErrorCode, RejectionCode } from './codes';
import { parsePresenceCommand, parsePresenceWatch, PRESENCE_LIMITS } from './presence';

const MAX = 64 * 1024;

describe('presence commands', () => {
  it('reads a status with or without a text and an id', () => {
    expect(parsePresenceCommand('{"status":"away","text":"lunch","command_id":"c1","x":1}', MAX)).toEqual({
      ok: true,
      value: { status: 'away', text: 'lunch', command_id: 'c1' },
    });
    expect(parsePresenceCommand('{"status":"invisible","text":null}', MAX)).toEqual({ ok: true, value: { status: 'invisible' } });
    expect(parsePresenceCommand('{"status":"online","text":""}', MAX)).toEqual({ ok: true, value: { status: 'online' } });
  });

  it.each([
    ['not JSON', '{', RejectionCode.INVALID_PAYLOAD],
    ['an array', '[]', RejectionCode.INVALID_PAYLOAD],
    ['an unknown status', '{"status":"offline"}', ErrorCode.VALIDATION_FAILED],
    ['no status', '{"text":"hi"}', ErrorCode.VALIDATION_FAILED],
    ['a status of another type', '{"status":["online"]}', ErrorCode.VALIDATION_FAILED],
    ['a text too long', JSON.stringify({ status: 'busy', text: 'x'.repeat(PRESENCE_LIMITS.text + 1) }), ErrorCode.VALIDATION_FAILED],
    ['a text with NUL', JSON.stringify({ status: 'busy', text: 'a\u0000b' }), ErrorCode.VALIDATION_FAILED],
    ['a text that is an object', '{"status":"busy","text":{"$gt":""}}', ErrorCode.VALIDATION_FAILED],
    ['a bad command_id', '{"status":"busy","command_id":7}', ErrorCode.VALIDATION_FAILED],
  ])('refuses %s', (_n, body, code) => {
    expect(parsePresenceCommand(body, MAX)).toMatchObject({ ok: false, code });
  });

  it('refuses a body over the size limit before reading it', () => {
    expect(parsePresenceCommand(JSON.stringify({ status: 'online', pad: 'x'.repeat(100) }), 50)).toMatchObject({ ok: false, code: RejectionCode.PAYLOAD_TOO_LARGE });
  });
});

describe('presence watch lists', () => {
  it('reads a list, dropping repeats; an empty list watches no one', () => {
    expect(parsePresenceWatch('{"users":["bob","carol","bob"],"command_id":"w"}', MAX, 3)).toEqual({ ok: true, value: { users: ['bob', 'carol'], command_id: 'w' } });
    expect(parsePresenceWatch('{"users":[]}', MAX, 3)).toEqual({ ok: true, value: { users: [] } });
  });

  it.each([
    ['no list', '{}'],
    ['a list that is not an array', '{"users":"bob"}'],
    ['too many entries', '{"users":["a","b","c","d"]}'],
    ['an invalid id', '{"users":["bob","b.b"]}'],
    ['a group id', '{"users":["group-1"]}'],
    ['a number', '{"users":[1]}'],
    ['an object', '{"users":[{"$ne":null}]}'],
    ['an over-long id', JSON.stringify({ users: ['u'.repeat(65)] })],
  ])('refuses %s', (_n, body) => {
    expect(parsePresenceWatch(body, MAX, 3)).toMatchObject({ ok: false, code: ErrorCode.VALIDATION_FAILED });
  });
});
