import { ErrorCode, GroupEvent, MessageStatus, RejectionCode, TopicLayout } from '@app/protocol';
import { groupState } from '../../../test/support/group-state';
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

const G = 'group-01j0team';
const state = (over: Record<string, unknown> = {}) => ({ ...groupState({ group_id: G }), ...over });

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

  it('reads a copy on a direct topic marked as a group copy as malformed', () => {
    expect(routeInbound(layout, 'bob', layout.clientAdded('bob', 'alice'), body(delivered({ channel_type: 'group' })))).toEqual({ kind: 'ignored', why: 'malformed' });
  });

  it('ignores its own group commands coming back', () => {
    expect(routeInbound(layout, 'alice', layout.groupCommand('alice', G), body({ action: 'leave' }))).toEqual({ kind: 'ignored', why: 'echo' });
  });

  describe('groups', () => {
    const member = (over: Record<string, unknown> = {}) => delivered({ recipient: G, channel_type: 'group', ...over });
    const system = (attributes: Record<string, unknown>) =>
      member({ sender: 'system', type: 'system', text: 'bob joined', client_message_id: undefined, attributes });

    it("reads a member's message on the group's topic as a message, the group as its recipient", () => {
      const copy = member({ history: true });
      expect(routeInbound(layout, 'bob', layout.clientAdded('bob', G), body(copy))).toEqual({ kind: 'message', message: copy });
    });

    it("reads the sender's copy of a group message as sent", () => {
      const copy = member({ status: MessageStatus.SENT });
      expect(routeInbound(layout, 'alice', layout.clientAdded('alice', G), body(copy))).toEqual({ kind: 'sent', message: copy });
    });

    it('reads a system message with its event as a group event', () => {
      const copy = system({ event: GroupEvent.MEMBER_JOINED, group_id: G, by: 'alice', member_id: 'bob' });
      expect(routeInbound(layout, 'carol', layout.clientAdded('carol', G), body(copy))).toEqual({ kind: 'group-event', message: copy });
    });

    it.each([
      ['a copy for another group', member({ recipient: 'group-other' })],
      ['a copy not marked as a group copy', member({ channel_type: 'direct' })],
      ["another member's copy with the sender's status", member({ status: MessageStatus.SENT })],
      ['a history flag that is not true', member({ history: 'yes' })],
      ['a system message not from the engine', member({ type: 'system', attributes: { event: GroupEvent.MEMBER_LEFT, group_id: G, by: 'alice' } })],
      ['a system message with an unknown event', system({ event: 'EXPLODED', group_id: G, by: 'alice' })],
      ["a system message about another group", system({ event: GroupEvent.MEMBER_LEFT, group_id: 'group-other', by: 'alice' })],
      ['a system message without its attributes', member({ sender: 'system', type: 'system' })],
    ])('drops %s as malformed', (_what, copy) => {
      expect(routeInbound(layout, 'bob', layout.clientAdded('bob', G), body(copy))).toEqual({ kind: 'ignored', why: 'malformed' });
    });

    it('reads a refusal of a group message with the group as its peer', () => {
      const refusal = { client_message_id: 'c1', code: RejectionCode.NOT_A_MEMBER, reason: 'not a member', timestamp: 2 };
      expect(routeInbound(layout, 'alice', layout.clientRejected('alice', G), body(refusal))).toEqual({
        kind: 'rejected',
        rejection: { peer: G, clientMessageId: 'c1', code: RejectionCode.NOT_A_MEMBER, reason: 'not a member', timestamp: 2 },
      });
    });

    it('reads command results: an answer with the group, a refusal with its code', () => {
      const topic = layout.groupResult('alice', G);
      const answer = { action: 'add_members', group_id: G, ok: true, group: state(), timestamp: 3 };
      expect(routeInbound(layout, 'alice', topic, body(answer))).toEqual({ kind: 'group-result', result: answer });
      const left = { action: 'leave', group_id: G, ok: true, timestamp: 3 };
      expect(routeInbound(layout, 'alice', topic, body(left))).toEqual({ kind: 'group-result', result: left });
      const refusal = { action: 'delete', group_id: G, ok: false, code: ErrorCode.FORBIDDEN, reason: 'owner only', timestamp: 4 };
      expect(routeInbound(layout, 'alice', topic, body(refusal))).toEqual({ kind: 'group-result', result: refusal });
      const unreadable = { group_id: G, ok: false, code: RejectionCode.INVALID_PAYLOAD, reason: 'not JSON', timestamp: 4 };
      expect(routeInbound(layout, 'alice', topic, body(unreadable))).toEqual({ kind: 'group-result', result: unreadable });
    });

    it.each([
      ['an answer without the group', { action: 'add_members', group_id: G, ok: true, timestamp: 3 }],
      ['an answer for another group', { action: 'leave', group_id: 'group-other', ok: true, timestamp: 3 }],
      ['an answer whose group has a bad member', { action: 'update', group_id: G, ok: true, group: state({ members: [{ user_id: 'bob', role: 'king', joined_at: 1 }] }), timestamp: 3 }],
      ['a refusal with a code results never carry', { action: 'leave', group_id: G, ok: false, code: ErrorCode.INTERNAL, reason: 'x', timestamp: 3 }],
      ['refusing without a reason', { action: 'leave', group_id: G, ok: false, code: ErrorCode.FORBIDDEN, timestamp: 3 }],
      ['an unknown action', { action: 'explode', group_id: G, ok: true, timestamp: 3 }],
    ])('drops %s as malformed', (_what, result) => {
      expect(routeInbound(layout, 'alice', layout.groupResult('alice', G), body(result))).toEqual({ kind: 'ignored', why: 'malformed' });
    });

    it("reads a group's new state and its deletion", () => {
      expect(routeInbound(layout, 'bob', layout.groupUpdated('bob', G), body(state()))).toEqual({ kind: 'group-updated', group: state() });
      expect(routeInbound(layout, 'bob', layout.groupUpdated('bob', G), body(state({ group_id: 'group-other' })))).toEqual({ kind: 'ignored', why: 'malformed' });
      const notice = { group_id: G, timestamp: 9 };
      expect(routeInbound(layout, 'bob', layout.groupDeleted('bob', G), body(notice))).toEqual({ kind: 'group-deleted', notice });
      expect(routeInbound(layout, 'bob', layout.groupDeleted('bob', G), body({ group_id: G }))).toEqual({ kind: 'ignored', why: 'malformed' });
    });
  });
  describe('presence', () => {
    const result = (over: Record<string, unknown> = {}) => ({ command: 'status', command_id: 'alice-1', ok: true, status: 'away', text: 'lunch', timestamp: 7, ...over });
    const notice = (over: Record<string, unknown> = {}) => ({ user: 'bob', status: 'online', timestamp: 8, ...over });

    it('ignores its own status commands and watch lists coming back', () => {
      expect(routeInbound(layout, 'alice', layout.presenceCommand('alice'), body({ status: 'away' }))).toEqual({ kind: 'ignored', why: 'echo' });
      expect(routeInbound(layout, 'alice', layout.presenceWatch('alice'), body({ users: ['bob'] }))).toEqual({ kind: 'ignored', why: 'echo' });
    });

    it('reads results: a status as set, a watch list with its unknown ids, a refusal with its code', () => {
      const topic = layout.presenceResult('alice');
      const cases = [
        result(),
        result({ status: 'invisible', text: undefined }),
        result({ command: 'watch', status: undefined, text: undefined, watched: 2, unknown: ['ghost'] }),
        result({ command: 'watch', status: undefined, text: undefined, watched: 0 }),
        { command: 'watch', command_id: 'alice-2', ok: false, code: ErrorCode.VALIDATION_FAILED, reason: 'at most 500 users', timestamp: 9 },
        { command: 'status', ok: false, code: RejectionCode.RATE_LIMITED, reason: 'slow down', timestamp: 9 },
      ];
      for (const answer of cases) {
        expect(routeInbound(layout, 'alice', topic, body(answer))).toEqual({ kind: 'presence-result', result: JSON.parse(JSON.stringify(answer)) as unknown });
      }
    });

    it.each([
      ['that is not an object', [result()]],
      ['of an unknown command', result({ command: 'block' })],
      ['without ok', result({ ok: undefined })],
      ['without a timestamp', result({ timestamp: undefined })],
      ['whose command_id is not a string', result({ command_id: 7 })],
      ['answering a status without the status', result({ status: undefined })],
      ['answering a status with one no one can set', result({ status: 'offline' })],
      ['answering a status with a text that is not a string', result({ text: 5 })],
      ['answering a watch list without the count', result({ command: 'watch', status: undefined, text: undefined })],
      ['answering a watch list with unknown ids that are not strings', result({ command: 'watch', status: undefined, watched: 1, unknown: [1] })],
      ['refusing with a code presence results never carry', { command: 'status', ok: false, code: ErrorCode.FORBIDDEN, reason: 'x', timestamp: 1 }],
      ['refusing without a reason', { command: 'status', ok: false, code: ErrorCode.VALIDATION_FAILED, timestamp: 1 }],
    ])('drops a result %s as malformed', (_what, answer) => {
      expect(routeInbound(layout, 'alice', layout.presenceResult('alice'), body(answer))).toEqual({ kind: 'ignored', why: 'malformed' });
    });

    it("reads a watched user's presence on that user's topic", () => {
      const topic = layout.presenceUpdated('alice', 'bob');
      for (const n of [notice(), notice({ status: 'away', text: 'lunch' }), notice({ status: 'offline', last_seen_at: 5 }), notice({ status: 'busy' })]) {
        expect(routeInbound(layout, 'alice', topic, body(n))).toEqual({ kind: 'presence-updated', notice: n });
      }
    });

    it.each([
      ['about another user than its topic names', notice({ user: 'carol' })],
      ['without a user', notice({ user: undefined })],
      ['invisible (shown to others as offline only)', notice({ status: 'invisible' })],
      ['of an unknown status', notice({ status: 'sleeping' })],
      ['with a text that is not a string', notice({ text: { a: 1 } })],
      ['with a last_seen_at that is not a number', notice({ status: 'offline', last_seen_at: '2026-01-01' })],
      ['without a timestamp', notice({ timestamp: undefined })],
    ])('drops a notice %s as malformed', (_what, n) => {
      expect(routeInbound(layout, 'alice', layout.presenceUpdated('alice', 'bob'), body(n))).toEqual({ kind: 'ignored', why: 'malformed' });
    });

    it('drops unreadable presence payloads, and ignores presence topics of other users', () => {
      expect(routeInbound(layout, 'alice', layout.presenceUpdated('alice', 'bob'), Buffer.from('{nope'))).toEqual({ kind: 'ignored', why: 'malformed' });
      expect(routeInbound(layout, 'alice', layout.presenceResult('alice'), Buffer.from('"ok"'))).toEqual({ kind: 'ignored', why: 'malformed' });
      expect(routeInbound(layout, 'alice', layout.presenceUpdated('carol', 'bob'), body(notice()))).toEqual({ kind: 'ignored', why: 'other-topic' });
      expect(routeInbound(layout, 'alice', layout.presenceResult('carol'), body(result()))).toEqual({ kind: 'ignored', why: 'other-topic' });
    });
  });

  describe('edits and deletes', () => {
    const ID = '01J00000000000000000000000';
    const edited = (over: Record<string, unknown> = {}) => ({ message_id: ID, sender: 'alice', recipient: 'bob', text: 'fixed', edited_at: 5, timestamp: 6, ...over });
    const deleted = (over: Record<string, unknown> = {}) => ({ message_id: ID, sender: 'alice', recipient: 'bob', deleted_at: 5, timestamp: 6, ...over });
    const result = (over: Record<string, unknown> = {}) => ({ message_id: ID, command_id: 'c1', ok: true, edited_at: 5, timestamp: 6, ...over });

    it('reads an edit and a delete of a message of the conversation, on either side of it and in a group', () => {
      expect(routeInbound(layout, 'bob', layout.messageUpdated('bob', 'alice', ID), body(edited()))).toEqual({ kind: 'message-edited', notice: edited() });
      expect(routeInbound(layout, 'alice', layout.messageUpdated('alice', 'bob', ID), body(edited()))).toEqual({ kind: 'message-edited', notice: edited() });
      expect(routeInbound(layout, 'bob', layout.messageDeleted('bob', 'alice', ID), body(deleted()))).toEqual({ kind: 'message-deleted', notice: deleted() });
      const inGroup = deleted({ recipient: G });
      expect(routeInbound(layout, 'carol', layout.messageDeleted('carol', G, ID), body(inGroup))).toEqual({ kind: 'message-deleted', notice: inGroup });
    });

    it.each([
      ['of another message than its topic names', layout.messageUpdated('bob', 'alice', ID), edited({ message_id: '01J00000000000000000000001' })],
      ['of another conversation', layout.messageUpdated('bob', 'carol', ID), edited()],
      ['of another group', layout.messageDeleted('bob', G, ID), deleted({ recipient: 'group-other' })],
      ['without a text', layout.messageUpdated('bob', 'alice', ID), edited({ text: undefined })],
      ['without edited_at', layout.messageUpdated('bob', 'alice', ID), edited({ edited_at: undefined })],
      ['without deleted_at', layout.messageDeleted('bob', 'alice', ID), deleted({ deleted_at: undefined })],
      ['without a timestamp', layout.messageDeleted('bob', 'alice', ID), deleted({ timestamp: undefined })],
    ])('drops a notice %s as malformed', (_what, topic, n) => {
      expect(routeInbound(layout, 'bob', topic, body(n))).toEqual({ kind: 'ignored', why: 'malformed' });
    });

    it('reads a result of an update of the topic\'s message: ok with when, or a refusal with its code and reason', () => {
      const topic = layout.messageResult('alice', 'bob', ID);
      const refused = result({ ok: false, edited_at: undefined, code: ErrorCode.EDIT_WINDOW_PASSED, reason: 'too late' });
      expect(routeInbound(layout, 'alice', topic, body(result()))).toEqual({ kind: 'message-result', result: result() });
      expect(routeInbound(layout, 'alice', topic, body(refused))).toEqual({ kind: 'message-result', result: refused });
      for (const bad of [result({ message_id: 'x' }), result({ edited_at: undefined }), result({ ok: false, code: ErrorCode.GROUP_FULL, reason: 'r' }), result({ ok: false, code: ErrorCode.NOT_THE_SENDER }), result({ command_id: 5 })]) {
        expect(routeInbound(layout, 'alice', topic, body(bad))).toEqual({ kind: 'ignored', why: 'malformed' });
      }
    });

    it('ignores its own updates coming back, and other users\' topics', () => {
      expect(routeInbound(layout, 'alice', layout.messageUpdate('alice', 'bob', ID), body({ text: 'x' }))).toEqual({ kind: 'ignored', why: 'echo' });
      expect(routeInbound(layout, 'alice', layout.messageUpdated('carol', 'bob', ID), body(edited()))).toEqual({ kind: 'ignored', why: 'other-topic' });
    });
  });

  describe('typing', () => {
    const typing = (over: Record<string, unknown> = {}) => ({ user: 'bob', state: 'typing', timestamp: 1, ...over });

    it('reads a peer typing in a direct conversation, and a member typing in a group, with the conversation', () => {
      expect(routeInbound(layout, 'alice', layout.typingUpdated('alice', 'bob'), body(typing()))).toEqual({ kind: 'typing', peer: 'bob', notice: typing() });
      const paused = typing({ user: 'carol', state: 'paused' });
      expect(routeInbound(layout, 'alice', layout.typingUpdated('alice', G), body(paused))).toEqual({ kind: 'typing', peer: G, notice: paused });
    });

    it('passes on only the fields of the contract', () => {
      const event = routeInbound(layout, 'alice', layout.typingUpdated('alice', 'bob'), body(typing({ html: '<b>' })));
      expect(event).toEqual({ kind: 'typing', peer: 'bob', notice: typing() });
    });

    it.each([
      ['from another user than the direct conversation\'s peer', 'bob', typing({ user: 'mallory' })],
      ['about this user themselves', G, typing({ user: 'alice' })],
      ['without a user', G, typing({ user: undefined })],
      ['with a user id that is no user id', G, typing({ user: 'a/b' })],
      ['of an unknown state', 'bob', typing({ state: 'dancing' })],
      ['without a timestamp', 'bob', typing({ timestamp: '1' })],
    ])('drops a notice %s as malformed', (_what, peer, n) => {
      expect(routeInbound(layout, 'alice', layout.typingUpdated('alice', peer), body(n))).toEqual({ kind: 'ignored', why: 'malformed' });
    });

    it('ignores its own typing publishes coming back, and other users\' notices', () => {
      expect(routeInbound(layout, 'alice', layout.typing('alice', 'bob'), body({ state: 'typing' }))).toEqual({ kind: 'ignored', why: 'echo' });
      expect(routeInbound(layout, 'alice', layout.typingUpdated('carol', 'bob'), body(typing()))).toEqual({ kind: 'ignored', why: 'other-topic' });
    });
  });

  describe('receipts', () => {
    const M1 = '01J00000000000000000000001';
    const M2 = '01J00000000000000000000002';
    const notice = (over: Record<string, unknown> = {}) => ({ user: 'bob', delivered_up_to: M2, read_up_to: M1, timestamp: 5, ...over });
    const refusal = (over: Record<string, unknown> = {}) => ({ receipt: 'read', message_id: M1, ok: false, code: ErrorCode.MESSAGE_NOT_FOUND, reason: 'no message', timestamp: 6, ...over });
    const malformed = { kind: 'ignored', why: 'malformed' };

    it("reads the other party's positions in a direct conversation, with the conversation from the topic", () => {
      expect(routeInbound(layout, 'alice', layout.receiptsUpdated('alice', 'bob'), body(notice()))).toEqual({
        kind: 'receipts-updated',
        update: { peer: 'bob', user: 'bob', delivered_up_to: M2, read_up_to: M1, timestamp: 5 },
      });
    });

    it("reads the user's own positions, in a direct conversation, a group, and a note to oneself; extra keys are not passed on", () => {
      for (const peer of ['bob', G, 'alice']) {
        const event = routeInbound(layout, 'alice', layout.receiptsUpdated('alice', peer), body(notice({ user: 'alice', read_up_to: undefined, unread_count: 3, admin: true })));
        expect(event).toEqual({ kind: 'receipts-updated', update: { peer, user: 'alice', delivered_up_to: M2, timestamp: 5 } });
      }
    });

    it.each([
      ['about a third user', notice({ user: 'carol' })],
      ["about another member of a group (the engine pushes only the user's own)", notice({ user: 'bob' }), G],
      ['naming the group as its user', notice({ user: G }), G],
      ['with no position', notice({ delivered_up_to: undefined, read_up_to: undefined })],
      ['with a position that is no message id', notice({ read_up_to: 'M1' })],
      ['with a position that is not a string', notice({ delivered_up_to: 42 })],
      ['without a timestamp', notice({ timestamp: undefined })],
      ['without a user', notice({ user: undefined })],
    ])('drops a notice %s as malformed', (_what, n, peer = 'bob') => {
      expect(routeInbound(layout, 'alice', layout.receiptsUpdated('alice', peer as string), body(n))).toEqual(malformed);
    });

    it('reads a refusal with its code and message id, or without an id (refused unread)', () => {
      expect(routeInbound(layout, 'alice', layout.receiptsResult('alice', 'bob'), body(refusal()))).toEqual({
        kind: 'receipts-result',
        refusal: { peer: 'bob', receipt: 'read', messageId: M1, code: ErrorCode.MESSAGE_NOT_FOUND, reason: 'no message', timestamp: 6 },
      });
      const limited = refusal({ receipt: 'delivered', message_id: undefined, code: RejectionCode.RATE_LIMITED });
      expect(routeInbound(layout, 'alice', layout.receiptsResult('alice', G), body(limited))).toEqual({
        kind: 'receipts-result',
        refusal: { peer: G, receipt: 'delivered', code: RejectionCode.RATE_LIMITED, reason: 'no message', timestamp: 6 },
      });
    });

    it.each([
      ['that says ok', refusal({ ok: true })],
      ['of another kind of receipt', refusal({ receipt: 'typing' })],
      ['with a code a receipt cannot get', refusal({ code: ErrorCode.GROUP_FULL })],
      ['with a message id that is no message id', refusal({ message_id: 'x' })],
      ['without a reason', refusal({ reason: undefined })],
    ])('drops a refusal %s as malformed', (_what, r) => {
      expect(routeInbound(layout, 'alice', layout.receiptsResult('alice', 'bob'), body(r))).toEqual(malformed);
    });

    it('ignores its own receipts coming back and receipt topics of other users; drops unreadable payloads', () => {
      expect(routeInbound(layout, 'alice', layout.delivered('alice', 'bob'), body({ message_id: M1 }))).toEqual({ kind: 'ignored', why: 'echo' });
      expect(routeInbound(layout, 'alice', layout.read('alice', G), body({ message_id: M1 }))).toEqual({ kind: 'ignored', why: 'echo' });
      expect(routeInbound(layout, 'alice', layout.receiptsUpdated('carol', 'bob'), body(notice()))).toEqual({ kind: 'ignored', why: 'other-topic' });
      expect(routeInbound(layout, 'alice', layout.receiptsResult('carol', 'bob'), body(refusal()))).toEqual({ kind: 'ignored', why: 'other-topic' });
      expect(routeInbound(layout, 'alice', layout.receiptsUpdated('alice', 'bob'), Buffer.from('{nope'))).toEqual(malformed);
      expect(routeInbound(layout, 'alice', layout.receiptsUpdated('alice', 'bob'), Buffer.from('[1]'))).toEqual(malformed);
      expect(routeInbound(layout, 'alice', layout.receiptsResult('alice', 'bob'), Buffer.from('null'))).toEqual(malformed);
    });
  });

  describe('archive', () => {
    it('reads a conversation notice on its conversation topic', () => {
      const n = { peer: 'bob', archived: true, timestamp: 2 };
      expect(routeInbound(layout, 'alice', layout.conversationUpdated('alice', 'bob'), body(n))).toEqual({ kind: 'conversation-updated', notice: n });
      const g = { peer: G, archived: false, timestamp: 2 };
      expect(routeInbound(layout, 'alice', layout.conversationUpdated('alice', G), body(g))).toEqual({ kind: 'conversation-updated', notice: g });
    });

    it('reads a refused archive command with its peer from the topic', () => {
      const r = { action: 'unarchive', ok: false, code: ErrorCode.MESSAGE_NOT_FOUND, reason: 'none', timestamp: 2 };
      expect(routeInbound(layout, 'alice', layout.conversationResult('alice', 'bob'), body(r))).toEqual({ kind: 'conversation-result', peer: 'bob', result: r });
    });

    it.each([
      ['a notice for another peer', 'updated', { peer: 'carol', archived: true, timestamp: 2 }],
      ['a notice without archived', 'updated', { peer: 'bob', timestamp: 2 }],
      ['a result with an unknown action', 'result', { action: 'pin', ok: false, code: ErrorCode.MESSAGE_NOT_FOUND, reason: 'x', timestamp: 2 }],
      ['a result with an unknown code', 'result', { action: 'archive', ok: false, code: ErrorCode.GROUP_FULL, reason: 'x', timestamp: 2 }],
      ['an ok result (the engine answers ok with the notice)', 'result', { action: 'archive', ok: true, timestamp: 2 }],
    ])('drops %s as malformed', (_what, which, payload) => {
      const topic = which === 'updated' ? layout.conversationUpdated('alice', 'bob') : layout.conversationResult('alice', 'bob');
      expect(routeInbound(layout, 'alice', topic, body(payload))).toEqual({ kind: 'ignored', why: 'malformed' });
    });

    it('ignores its own archive and unarchive commands coming back', () => {
      expect(routeInbound(layout, 'alice', layout.archive('alice', 'bob'), body({}))).toEqual({ kind: 'ignored', why: 'echo' });
      expect(routeInbound(layout, 'alice', layout.unarchive('alice', G), body({}))).toEqual({ kind: 'ignored', why: 'echo' });
    });
  });
});
