import { amqpToMqtt, mqttToAmqp, TopicLayout } from './topics';
import { pairKey, usersOfPair } from './user-id';

describe('TopicLayout', () => {
  const layout = new TopicLayout('apps/tilechat/users');

  it('builds every topic of the layout', () => {
    expect(layout.outgoing('alice', 'bob')).toBe('apps/tilechat/users/alice/bob/messages/outgoing');
    expect(layout.clientAdded('bob', 'alice')).toBe('apps/tilechat/users/bob/alice/messages/clientadded');
    expect(layout.clientRejected('alice', 'bob')).toBe('apps/tilechat/users/alice/bob/messages/clientrejected');
    expect(layout.blockCommand('alice', 'bob')).toBe('apps/tilechat/users/alice/blocks/bob/command');
    expect(layout.blockResult('alice', 'bob')).toBe('apps/tilechat/users/alice/blocks/bob/result');
    expect(layout.groupCommand('alice', 'group-1')).toBe('apps/tilechat/users/alice/groups/group-1/command');
    expect(layout.groupResult('alice', 'group-1')).toBe('apps/tilechat/users/alice/groups/group-1/result');
    expect(layout.groupUpdated('bob', 'group-1')).toBe('apps/tilechat/users/bob/groups/group-1/clientupdated');
    expect(layout.groupDeleted('bob', 'group-1')).toBe('apps/tilechat/users/bob/groups/group-1/clientdeleted');
    expect(layout.presenceCommand('alice')).toBe('apps/tilechat/users/alice/presence/command');
    expect(layout.presenceWatch('alice')).toBe('apps/tilechat/users/alice/presence/watch');
    expect(layout.presenceResult('alice')).toBe('apps/tilechat/users/alice/presence/result');
    expect(layout.presenceUpdated('alice', 'bob')).toBe('apps/tilechat/users/alice/presence/bob/clientupdated');
    expect(layout.inbox('alice')).toBe('apps/tilechat/users/alice/#');
    expect(layout.amqpPrefix).toBe('apps.tilechat.users');
  });

  it('parses what it builds, from MQTT topics and AMQP routing keys', () => {
    expect(layout.parse(layout.outgoing('alice', 'bob'))).toEqual({ kind: 'outgoing', owner: 'alice', peer: 'bob' });
    expect(layout.parseRoutingKey(mqttToAmqp(layout.blockCommand('a', 'b')))).toEqual({ kind: 'block-command', owner: 'a', peer: 'b' });
    expect(layout.parse(layout.clientRejected('a', 'b'))?.kind).toBe('clientrejected');
    expect(layout.parse(layout.outgoing('alice', 'group-1'))).toEqual({ kind: 'outgoing', owner: 'alice', peer: 'group-1' });
    expect(layout.parse(layout.clientAdded('bob', 'group-1'))).toEqual({ kind: 'clientadded', owner: 'bob', peer: 'group-1' });
    expect(layout.parse(layout.groupCommand('alice', 'group-1'))).toEqual({ kind: 'group-command', owner: 'alice', peer: 'group-1' });
    expect(layout.parse(layout.groupResult('alice', 'group-1'))?.kind).toBe('group-result');
    expect(layout.parse(layout.groupUpdated('alice', 'group-1'))?.kind).toBe('group-updated');
    expect(layout.parse(layout.groupDeleted('alice', 'group-1'))?.kind).toBe('group-deleted');
    expect(layout.parseRoutingKey(mqttToAmqp(layout.presenceCommand('alice')))).toEqual({ kind: 'presence-command', owner: 'alice', peer: '' });
    expect(layout.parse(layout.presenceWatch('alice'))).toEqual({ kind: 'presence-watch', owner: 'alice', peer: '' });
    expect(layout.parse(layout.presenceResult('alice'))?.kind).toBe('presence-result');
    expect(layout.parse(layout.presenceUpdated('alice', 'bob'))).toEqual({ kind: 'presence-updated', owner: 'alice', peer: 'bob' });
  });

  it('builds and parses the topics of what comes after a message', () => {
    const id = '01JABCDEFGHJKMNPQRSTVWXYZ0';
    const cases: Array<[string, string, object]> = [
      [layout.delivered('alice', 'bob'), 'apps/tilechat/users/alice/bob/messages/delivered', { kind: 'delivered', owner: 'alice', peer: 'bob' }],
      [layout.read('alice', 'group-1'), 'apps/tilechat/users/alice/group-1/messages/read', { kind: 'read', owner: 'alice', peer: 'group-1' }],
      [layout.receiptsUpdated('bob', 'alice'), 'apps/tilechat/users/bob/alice/messages/receipts/clientupdated', { kind: 'receipts-updated', owner: 'bob', peer: 'alice' }],
      [layout.typing('alice', 'bob'), 'apps/tilechat/users/alice/bob/typing', { kind: 'typing', owner: 'alice', peer: 'bob' }],
      [layout.typingUpdated('bob', 'group-1'), 'apps/tilechat/users/bob/group-1/typing/clientupdated', { kind: 'typing-updated', owner: 'bob', peer: 'group-1' }],
      [layout.messageUpdate('alice', 'bob', id), `apps/tilechat/users/alice/bob/messages/${id}/update`, { kind: 'message-update', owner: 'alice', peer: 'bob', messageId: id }],
      [layout.messageResult('alice', 'bob', id), `apps/tilechat/users/alice/bob/messages/${id}/result`, { kind: 'message-result', owner: 'alice', peer: 'bob', messageId: id }],
      [layout.messageUpdated('bob', 'alice', id), `apps/tilechat/users/bob/alice/messages/${id}/clientupdated`, { kind: 'message-updated', owner: 'bob', peer: 'alice', messageId: id }],
      [layout.messageDeleted('bob', 'group-1', id), `apps/tilechat/users/bob/group-1/messages/${id}/clientdeleted`, { kind: 'message-deleted', owner: 'bob', peer: 'group-1', messageId: id }],
      [layout.archive('alice', 'bob'), 'apps/tilechat/users/alice/conversations/bob/archive', { kind: 'archive', owner: 'alice', peer: 'bob' }],
      [layout.unarchive('alice', 'group-1'), 'apps/tilechat/users/alice/conversations/group-1/unarchive', { kind: 'unarchive', owner: 'alice', peer: 'group-1' }],
      [layout.conversationUpdated('alice', 'bob'), 'apps/tilechat/users/alice/conversations/bob/clientupdated', { kind: 'conversation-updated', owner: 'alice', peer: 'bob' }],
    ];
    for (const [built, topic, parsed] of cases) {
      expect(built).toBe(topic);
      expect(layout.parse(topic)).toEqual(parsed);
      expect(layout.parseRoutingKey(mqttToAmqp(topic))).toEqual(parsed);
    }
  });

  it.each([
    'apps/tilechat/users/alice/bob/messages/not-an-id/update',
    'apps/tilechat/users/alice/bob/messages/01jabcdefghjkmnpqrstvwxyz0/update',
    'apps/tilechat/users/alice/bob/messages/01JABCDEFGHJKMNPQRSTVWXYZ0/delete',
    'apps/tilechat/users/alice/bob/messages/receipts/update',
    'apps/tilechat/users/alice/bob/other/01JABCDEFGHJKMNPQRSTVWXYZ0/update',
    'apps/tilechat/users/alice/b.b/typing',
    'apps/tilechat/users/alice/conversations/b*b/archive',
    'apps/tilechat/users/alice/conversations/bob/delete',
    'apps/tilechat/users/group-1/bob/typing',
    'apps/tilechat/users/alice/bob/typing/clientadded',
  ])('rejects %s', (topic) => {
    expect(layout.parse(topic)).toBeNull();
  });

  it('refuses presence topics of another shape', () => {
    for (const topic of [
      'apps/tilechat/users/alice/presence/unknown',
      'apps/tilechat/users/alice/presence',
      'apps/tilechat/users/group-1/presence/command',
      'apps/tilechat/users/alice/presence/group-1/clientupdated',
      'apps/tilechat/users/alice/presence/bob/command',
      'apps/tilechat/users/alice/status/command',
    ]) {
      expect(layout.parse(topic)).toBeNull();
    }
  });

  it('never takes a group id for a user, nor a user id for a group', () => {
    expect(layout.parse('apps/tilechat/users/group-1/bob/messages/outgoing')).toBeNull(); // a group publishes nothing
    expect(layout.parse('apps/tilechat/users/alice/blocks/group-1/command')).toBeNull();
    expect(layout.parse('apps/tilechat/users/alice/groups/bob/command')).toBeNull();
    expect(layout.parse('apps/tilechat/users/alice/groups/group-/command')).toBeNull();
    expect(layout.ownerOf('apps/tilechat/users/group-1/bob/messages/outgoing')).toBeNull();
  });

  it('keeps user ids named like layout words apart', () => {
    expect(layout.parse('apps/tilechat/users/alice/blocks/messages/outgoing')).toEqual({ kind: 'outgoing', owner: 'alice', peer: 'blocks' });
    expect(layout.parse('apps/tilechat/users/alice/blocks/messages/command')).toEqual({ kind: 'block-command', owner: 'alice', peer: 'messages' });
    expect(layout.parse('apps/tilechat/users/alice/groups/messages/outgoing')).toEqual({ kind: 'outgoing', owner: 'alice', peer: 'groups' });
    expect(layout.parse('apps/tilechat/users/alice/presence/messages/outgoing')).toBeNull(); // "presence" is no user id
    expect(layout.parse('apps/tilechat/users/alice/typing/typing')).toEqual({ kind: 'typing', owner: 'alice', peer: 'typing' });
    expect(layout.parse('apps/tilechat/users/alice/typing/typing/clientupdated')).toEqual({ kind: 'typing-updated', owner: 'alice', peer: 'typing' });
    expect(layout.parse('apps/tilechat/users/alice/presence/typing/clientupdated')).toEqual({ kind: 'presence-updated', owner: 'alice', peer: 'typing' });
    expect(layout.parse('apps/tilechat/users/alice/conversations/typing/clientupdated')).toEqual({ kind: 'conversation-updated', owner: 'alice', peer: 'typing' });
    expect(layout.parse('apps/tilechat/users/alice/messages/messages/read')).toEqual({ kind: 'read', owner: 'alice', peer: 'messages' });
    expect(layout.parse('apps/tilechat/users/alice/presence/messages/clientupdated')).toEqual({ kind: 'presence-updated', owner: 'alice', peer: 'messages' });
  });

  it.each([
    'apps/tilechat/users/alice/bob/messages',
    'apps/tilechat/users/alice/bob/extra/messages/outgoing',
    'apps/other/users/alice/bob/messages/outgoing',
    'apps/tilechat/users/alice/bob/messages/unknown',
    'apps/tilechat/users/alice/bob/messages/constructor',
    'apps/tilechat/users/al ice/bob/messages/outgoing',
    'apps/tilechat/users/alice//messages/outgoing',
    'apps/tilechat/users/alice/b*b/messages/outgoing',
  ])('rejects %s', (topic) => {
    expect(layout.parse(topic)).toBeNull();
  });

  it('names the publisher of a malformed topic when its first word is a valid id', () => {
    expect(layout.ownerOf('apps/tilechat/users/alice/x/y/messages/outgoing')).toBe('alice');
    expect(layout.ownerOf('apps/tilechat/users/a.b/x')).toBeNull();
    expect(layout.ownerOf('other/alice')).toBeNull();
  });

  it('keeps a leading slash of the prefix verbatim', () => {
    const slashed = new TopicLayout('/apps/tilechat/users');
    const topic = slashed.outgoing('a', 'b');
    expect(topic).toBe('/apps/tilechat/users/a/b/messages/outgoing');
    expect(mqttToAmqp(topic)).toBe('.apps.tilechat.users.a.b.messages.outgoing');
    expect(slashed.parseRoutingKey(mqttToAmqp(topic))).toEqual({ kind: 'outgoing', owner: 'a', peer: 'b' });
    expect(slashed.parse('apps/tilechat/users/a/b/messages/outgoing')).toBeNull();
  });

  it.each(['', 'a/+/b', 'a/#', 'a.b', 'a//b'])('refuses the prefix %p', (prefix) => {
    expect(() => new TopicLayout(prefix)).toThrow(/invalid path prefix/);
  });

  it('converts between MQTT and AMQP forms', () => {
    expect(mqttToAmqp('a/+/c/#')).toBe('a.*.c.#');
    expect(amqpToMqtt('a.*.c.#')).toBe('a/+/c/#');
  });
});

describe('pairKey', () => {
  it('is one key for both orders, and gives the two ids back', () => {
    expect(pairKey('bob', 'alice')).toBe('alice|bob');
    expect(pairKey('alice', 'bob')).toBe('alice|bob');
    expect(usersOfPair(pairKey('bob', 'alice'))).toEqual(['alice', 'bob']);
  });
});
