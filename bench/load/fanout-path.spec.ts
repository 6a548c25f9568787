import { TopicLayout } from '@app/protocol';
import { TokenIssuer } from '../tokens';
import { engineFanoutWire, rawFanoutWire } from './fanout-path';

const tokens: TokenIssuer = {
  userToken: async (u) => `user:${u}`,
  rawPathToken: async (u) => `raw:${u}`,
  rawGroupToken: async (u, _l, g) => `raw:${u}:${g}`,
};
const json = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('rawFanoutWire', () => {
  const layout = new TopicLayout('apps/x/users-raw');
  const wire = rawFanoutWire(layout, tokens);

  it('makes a group one shared topic that every member subscribes to', async () => {
    expect(wire.publishTopic('alice', 'group-g1')).toBe('apps/x/users-raw/alice/group-g1/messages/outgoing');
    expect(wire.subscriptions('bob', 'group-g1', false)).toEqual(['apps/x/users-raw/+/group-g1/messages/outgoing']);
    expect(await wire.password('bob', 'group-g1')).toBe('raw:bob:group-g1');
  });

  it('reads the id and text length of a copy', () => {
    expect(wire.read('apps/x/users-raw/alice/group-g1/messages/outgoing', json({ text: 'hello', client_message_id: 'm1' }))).toEqual({
      kind: 'copy',
      id: 'm1',
      textLength: 5,
    });
    expect(wire.read('apps/x/users-raw/alice/group-g1/messages/outgoing', Buffer.from('not json'))).toEqual({ kind: 'copy', id: undefined, textLength: -1 });
  });
});

describe('engineFanoutWire', () => {
  const layout = new TopicLayout('apps/x/users');
  const wire = engineFanoutWire(layout, tokens);

  it('sends to the group and listens on the member\'s own inbox, the sender also for refusals', async () => {
    expect(wire.publishTopic('alice', 'group-g1')).toBe('apps/x/users/alice/group-g1/messages/outgoing');
    expect(wire.subscriptions('bob', 'group-g1', false)).toEqual(['apps/x/users/bob/group-g1/messages/clientadded']);
    expect(wire.subscriptions('alice', 'group-g1', true)).toEqual([
      'apps/x/users/alice/group-g1/messages/clientadded',
      'apps/x/users/alice/group-g1/messages/clientrejected',
    ]);
    expect(await wire.password('bob', 'group-g1')).toBe('user:bob');
  });

  it('counts group copies, skips system messages, and reads refusals with their code', () => {
    const added = 'apps/x/users/bob/group-g1/messages/clientadded';
    expect(wire.read(added, json({ text: 'hi', type: 'text', client_message_id: 'm1', channel_type: 'group' }))).toEqual({ kind: 'copy', id: 'm1', textLength: 2 });
    expect(wire.read(added, json({ text: 'joined', type: 'system', sender: 'system' }))).toBeNull();
    expect(wire.read('apps/x/users/alice/group-g1/messages/clientrejected', json({ client_message_id: 'm2', code: 'NOT_A_MEMBER', reason: 'x' }))).toEqual({
      kind: 'rejected',
      id: 'm2',
      code: 'NOT_A_MEMBER',
    });
    expect(wire.read('apps/x/users/bob/groups/group-g1/clientupdated', json({}))).toBeNull();
  });
});
