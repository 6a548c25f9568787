import { toDelivered, toHistoryItem } from './message.mapper';
import { MessageRecord } from './message.record';

const record: MessageRecord = {
  _id: '01J00000000000000000000001',
  app_id: 'tilechat',
  pair: 'alice|bob',
  sender: 'alice',
  recipient: 'bob',
  type: 'text',
  text: 'hi',
  dedupe_key: 'alice:c1',
  timestamp: 1000,
};

describe('message mapper', () => {
  it('delivers the engine id and time, the app and channel, and none of the storage keys', () => {
    expect(toDelivered(record, 'tilechat')).toEqual({
      message_id: record._id,
      sender: 'alice',
      recipient: 'bob',
      app_id: 'tilechat',
      channel_type: 'direct',
      type: 'text',
      text: 'hi',
      timestamp: 1000,
    });
  });

  it('carries every optional field the record holds, and leaves out those it does not', () => {
    const full = { ...record, client_message_id: 'c1', attributes: { a: 1 }, metadata: { m: 'x' }, sender_fullname: 'Alice', recipient_fullname: 'Bob' };
    expect(toDelivered(full, 'tilechat')).toEqual(expect.objectContaining({ client_message_id: 'c1', attributes: { a: 1 }, metadata: { m: 'x' }, sender_fullname: 'Alice', recipient_fullname: 'Bob' }));
    expect(Object.keys(toDelivered(record, 'tilechat'))).not.toContain('client_message_id');
  });

  it('shows an edited message with edited_at, and a deleted one with deleted_at and no content', () => {
    expect(toHistoryItem({ ...record, text: 'fixed', edited_at: 5, revision: 1 })).toEqual(expect.objectContaining({ text: 'fixed', edited_at: 5 }));
    const deleted = toHistoryItem({ ...record, text: '', deleted_at: 9, revision: 2 });
    expect(deleted).toEqual(expect.objectContaining({ text: '', deleted_at: 9 }));
    expect(Object.keys(deleted)).not.toEqual(expect.arrayContaining(['attributes', 'metadata', 'revision']));
  });

  it('shows history items with the same fields, without the envelope', () => {
    const full = { ...record, client_message_id: 'c1', sender_fullname: 'Alice' };
    expect(toHistoryItem(full)).toEqual({ message_id: record._id, sender: 'alice', recipient: 'bob', type: 'text', text: 'hi', timestamp: 1000, client_message_id: 'c1', sender_fullname: 'Alice' });
  });
});
