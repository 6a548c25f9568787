import { MessageStatus, RejectionCode, TopicLayout } from '@app/protocol';
import { routeInbound } from './inbox-router';

const layout = new TopicLayout('apps/tilechat/users');
const body = (v: unknown) => Buffer.from(JSON.stringify(v));
const delivered = (over: Record<string, unknown> = {}) => ({
  text: 'hi',
  type: 'text',
  client_message_id: 'c1',
  message_id: '01J00000000000000000000000',
  sender: 'alice',
  recipient: 'bob',
  app_id: 'tilechat',
  channel_type: 'direct',
  timestamp: 1,
  status: MessageStatus.DELIVERED,
  ...over,
});

describe('routeInbound', () => {
  it('reads a recipient copy as a message', () => {
    const event = routeInbound(layout, 'bob', layout.clientAdded('bob', 'alice'), body(delivered()));
    expect(event).toEqual({ kind: 'message', message: delivered() });
  });

  it("reads the sender's copy as sent", () => {
    const copy = delivered({ status: MessageStatus.SENT });
    expect(routeInbound(layout, 'alice', layout.clientAdded('alice', 'bob'), body(copy))).toEqual({ kind: 'sent', message: copy });
  });

  it('tells the two copies of a note to oneself apart by status', () => {
    const topic = layout.clientAdded('alice', 'alice');
    const base = { sender: 'alice', recipient: 'alice' };
    expect(routeInbound(layout, 'alice', topic, body(delivered({ ...base, status: MessageStatus.SENT }))).kind).toBe('sent');
    expect(routeInbound(layout, 'alice', topic, body(delivered({ ...base, status: MessageStatus.DELIVERED }))).kind).toBe('message');
  });

  it('ignores its own outgoing publishes coming back', () => {
    const echo = routeInbound(layout, 'alice', layout.outgoing('alice', 'bob'), body({ text: 'hi' }));
    expect(echo).toEqual({ kind: 'ignored', why: 'echo' });
  });

  it('ignores topics of other users or other layouts', () => {
    expect(routeInbound(layout, 'bob', layout.clientAdded('carol', 'alice'), body(delivered()))).toEqual({ kind: 'ignored', why: 'other-topic' });
    expect(routeInbound(layout, 'bob', 'elsewhere/bob/alice/messages/clientadded', body(delivered()))).toEqual({ kind: 'ignored', why: 'other-topic' });
  });

  it.each([
    ['not JSON', Buffer.from('{x')],
    ['an array', body([1])],
    ['a copy whose users do not match its topic', body(delivered({ sender: 'mallory' }))],
    ['a copy without message_id', body(delivered({ message_id: undefined }))],
    ['a sent copy on the recipient side', body(delivered({ status: MessageStatus.SENT }))],
  ])('drops %s as malformed', (_what, payload) => {
    expect(routeInbound(layout, 'bob', layout.clientAdded('bob', 'alice'), payload)).toEqual({ kind: 'ignored', why: 'malformed' });
  });

  it('reads a rejection with and without client_message_id', () => {
    const topic = layout.clientRejected('alice', 'bob');
    const withId = { client_message_id: 'c1', code: RejectionCode.BLOCKED, reason: 'no', timestamp: 5 };
    expect(routeInbound(layout, 'alice', topic, body(withId))).toEqual({
      kind: 'rejected',
      rejection: { peer: 'bob', clientMessageId: 'c1', code: RejectionCode.BLOCKED, reason: 'no', timestamp: 5 },
    });
    const withoutId = { code: RejectionCode.PAYLOAD_TOO_LARGE, reason: 'big', timestamp: 6 };
    expect(routeInbound(layout, 'alice', topic, body(withoutId))).toEqual({
      kind: 'rejected',
      rejection: { peer: 'bob', code: RejectionCode.PAYLOAD_TOO_LARGE, reason: 'big', timestamp: 6 },
    });
  });

  it('drops a rejection with a code it does not know', () => {
    const event = routeInbound(layout, 'alice', layout.clientRejected('alice', 'bob'), body({ code: 'NOPE', reason: 'x', timestamp: 1 }));
    expect(event).toEqual({ kind: 'ignored', why: 'malformed' });
  });
});
