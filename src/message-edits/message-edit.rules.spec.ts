import { ErrorCode, messageIdFloor, newMessageId } from '@app/protocol';
import { MessageRecord } from '../messages/message.record';
import { applyChange, decideUpdate, EditActor, EditLimits } from './message-edit.rules';

const SENT_AT = 1_700_000_000_000;
const direct: MessageRecord = {
  _id: newMessageId(SENT_AT),
  app_id: 'app',
  pair: 'alice|bob',
  sender: 'alice',
  recipient: 'bob',
  type: 'text',
  text: 'hello',
  dedupe_key: 'alice:c1',
  attributes: { a: 1 },
  metadata: { m: 'x' },
  timestamp: SENT_AT,
};
const inGroup: MessageRecord = { ...direct, pair: 'group-1', recipient: 'group-1', channel_type: 'group' };
const alice = (peer = 'bob'): EditActor => ({ kind: 'user', userId: 'alice', conversation: { kind: 'direct', peer } });
const aliceInGroup = (createdAt = SENT_AT - 1000): EditActor => ({ kind: 'user', userId: 'alice', conversation: { kind: 'group', groupId: 'group-1', createdAt } });
const limits = (after: number): EditLimits => ({ now: SENT_AT + after, editWindowMs: 900_000, deleteWindowMs: 3_600_000 });
const EDIT = { text: 'hello!' };
const DELETE = { deleted: true as const };

const codeOf = (d: ReturnType<typeof decideUpdate>) => (d.kind === 'refused' ? d.code : d.kind);

describe('decideUpdate', () => {
  it('lets the sender edit within the edit window and delete within the delete window', () => {
    expect(decideUpdate(direct, EDIT, alice(), limits(1000))).toEqual({ kind: 'change', change: { kind: 'edit', text: 'hello!', at: SENT_AT + 1000 } });
    expect(decideUpdate(direct, EDIT, alice(), limits(900_000))).toMatchObject({ kind: 'change' });
    expect(codeOf(decideUpdate(direct, EDIT, alice(), limits(900_001)))).toBe(ErrorCode.EDIT_WINDOW_PASSED);
    expect(decideUpdate(direct, DELETE, alice(), limits(900_001))).toEqual({ kind: 'change', change: { kind: 'delete', at: SENT_AT + 900_001 } });
    expect(codeOf(decideUpdate(direct, DELETE, alice(), limits(3_600_001)))).toBe(ErrorCode.EDIT_WINDOW_PASSED);
  });

  it('answers MESSAGE_NOT_FOUND for an unknown message and for one of another conversation', () => {
    expect(codeOf(decideUpdate(null, EDIT, alice(), limits(0)))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
    expect(codeOf(decideUpdate(direct, EDIT, alice('carol'), limits(0)))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
    // A group message named on a direct topic, and a direct one named on a group topic.
    expect(codeOf(decideUpdate(inGroup, EDIT, alice('group-1'), limits(0)))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
    expect(codeOf(decideUpdate({ ...direct, pair: 'group-1' }, EDIT, aliceInGroup(), limits(0)))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
    expect(codeOf(decideUpdate({ ...inGroup, pair: 'group-2', recipient: 'group-2' }, EDIT, aliceInGroup(), limits(0)))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
  });

  it('does not reach a message of an earlier group of the same id', () => {
    expect(codeOf(decideUpdate(inGroup, EDIT, aliceInGroup(SENT_AT + 5000), limits(0)))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
    expect(inGroup._id >= messageIdFloor(SENT_AT)).toBe(true);
    expect(decideUpdate(inGroup, EDIT, aliceInGroup(SENT_AT), limits(0))).toMatchObject({ kind: 'change' });
  });

  it('answers NOT_THE_SENDER for the peer\'s message and for a system message, before saying anything else of it', () => {
    const bob: EditActor = { kind: 'user', userId: 'bob', conversation: { kind: 'direct', peer: 'alice' } };
    expect(codeOf(decideUpdate(direct, EDIT, bob, limits(0)))).toBe(ErrorCode.NOT_THE_SENDER);
    expect(codeOf(decideUpdate({ ...direct, deleted_at: 1 }, DELETE, bob, limits(99_999_999)))).toBe(ErrorCode.NOT_THE_SENDER);
    expect(codeOf(decideUpdate({ ...inGroup, type: 'system' }, DELETE, aliceInGroup(), limits(0)))).toBe(ErrorCode.NOT_THE_SENDER);
  });

  it('refuses to edit a deleted message, and answers a second delete as the first', () => {
    const deleted = { ...direct, deleted_at: SENT_AT + 10 };
    expect(codeOf(decideUpdate(deleted, EDIT, alice(), limits(20)))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
    expect(decideUpdate(deleted, DELETE, alice(), limits(99_999_999))).toEqual({ kind: 'already-deleted', deletedAt: SENT_AT + 10 });
  });

  it('refuses a blank text for a text message, as for a new one', () => {
    expect(codeOf(decideUpdate(direct, { text: ' \n ' }, alice(), limits(0)))).toBe(ErrorCode.VALIDATION_FAILED);
    expect(decideUpdate({ ...direct, type: 'image' }, { text: ' ' }, alice(), limits(0))).toMatchObject({ kind: 'change' });
  });

  it('lets an admin delete any message at any time, and edit none', () => {
    const admin: EditActor = { kind: 'admin' };
    expect(decideUpdate({ ...inGroup, type: 'system', sender: 'system' }, DELETE, admin, limits(99_999_999))).toMatchObject({ kind: 'change', change: { kind: 'delete' } });
    expect(codeOf(decideUpdate(direct, EDIT, admin, limits(0)))).toBe(ErrorCode.VALIDATION_FAILED);
    expect(codeOf(decideUpdate(null, DELETE, admin, limits(0)))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
  });
});

describe('applyChange', () => {
  it('keeps the id, parties and time; an edit sets the text and edited_at', () => {
    expect(applyChange(direct, { kind: 'edit', text: 'new', at: 5 })).toEqual({ ...direct, text: 'new', edited_at: 5, revision: 1 });
  });

  it('a delete removes the content and counts the revision on', () => {
    const deleted = applyChange({ ...direct, revision: 2, edited_at: 3 }, { kind: 'delete', at: 9 });
    expect(deleted).toEqual({ _id: direct._id, app_id: 'app', pair: 'alice|bob', sender: 'alice', recipient: 'bob', type: 'text', text: '', dedupe_key: 'alice:c1', timestamp: SENT_AT, edited_at: 3, deleted_at: 9, revision: 3 });
  });
});
