import { RejectionCode } from '@app/protocol';
import { buildOutgoing } from './outgoing';

describe('buildOutgoing', () => {
  it('builds the documented body with a generated client_message_id', () => {
    const built = buildOutgoing('bob', 'hi', {}, 1024);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.clientMessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(built.body)).toEqual({ text: 'hi', type: 'text', client_message_id: built.clientMessageId });
  });

  it('generates a new client_message_id for every message', () => {
    const a = buildOutgoing('bob', 'hi', {}, 1024);
    const b = buildOutgoing('bob', 'hi', {}, 1024);
    expect(a.clientMessageId).not.toBe(b.clientMessageId);
  });

  it('keeps a given client_message_id and maps the optional fields to their wire names', () => {
    const built = buildOutgoing(
      'bob',
      'pic',
      { type: 'image', clientMessageId: 'c-7', attributes: { w: 1 }, metadata: { m: 2 }, senderFullname: 'Al', recipientFullname: 'Bo' },
      1024,
    );
    expect(built.ok && JSON.parse(built.body)).toEqual({
      text: 'pic',
      type: 'image',
      client_message_id: 'c-7',
      attributes: { w: 1 },
      metadata: { m: 2 },
      sender_fullname: 'Al',
      recipient_fullname: 'Bo',
    });
  });

  it('takes a group id as the recipient', () => {
    expect(buildOutgoing('group-01j0abc', 'hi all', {}, 1024)).toMatchObject({ ok: true });
  });

  it.each(['', 'a/b', 'a.b', 'a+b', '#', 'a~b', 'x'.repeat(65), 'group-', 'group-a.b', `group-${'a'.repeat(59)}`])('refuses the recipient %p as INVALID_TOPIC', (to) => {
    expect(buildOutgoing(to, 'hi', {}, 1024)).toMatchObject({ ok: false, code: RejectionCode.INVALID_TOPIC });
  });

  it('refuses what the engine would refuse, with the engine code', () => {
    expect(buildOutgoing('bob', '   ', {}, 1024)).toMatchObject({ ok: false, code: RejectionCode.INVALID_PAYLOAD });
    expect(buildOutgoing('bob', 'x', { type: 'Not Valid' }, 1024)).toMatchObject({ ok: false, code: RejectionCode.INVALID_PAYLOAD });
    expect(buildOutgoing('bob', 'x'.repeat(2000), {}, 1024)).toMatchObject({ ok: false, code: RejectionCode.PAYLOAD_TOO_LARGE });
  });
});
