import { mqttToAmqp, TopicLayout } from './topics';
import { userGrants } from './user-grants';

/** How the broker's oauth2 backend matches a scope's resource: `*` is its only wildcard, and it matches dots too. */
function brokerMatches(pattern: string, name: string): boolean {
  const regex = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${regex}$`).test(name);
}

/** The scopes as `permission`, `resource` (`amq.topic/<routing key>` or a queue name). */
function parsed(scopes: string[], audience: string): Array<{ permission: string; resource: string }> {
  return scopes.map((scope) => {
    const m = new RegExp(`^${audience}\\.(\\w+):\\*/(.+)$`).exec(scope);
    if (!m) throw new Error(`not a scope of the expected form: ${scope}`);
    return { permission: m[1], resource: m[2] };
  });
}

const MESSAGE_ID = '01JABCDEFGHJKMNPQRSTVWXYZ0';

describe('userGrants: least privilege for a chat user', () => {
  it('grants alice exactly these scopes and topics (docs/tokens.md)', () => {
    const grants = userGrants(new TopicLayout('apps/tilechat/users'), 'alice', 'rabbitmq');
    expect(grants.scopes).toEqual([
      'rabbitmq.write:*/amq.topic/apps.tilechat.users.alice.*.messages.outgoing',
      'rabbitmq.write:*/amq.topic/apps.tilechat.users.alice.blocks.*.command',
      'rabbitmq.write:*/amq.topic/apps.tilechat.users.alice.groups.*.command',
      'rabbitmq.write:*/amq.topic/apps.tilechat.users.alice.presence.command',
      'rabbitmq.write:*/amq.topic/apps.tilechat.users.alice.presence.watch',
      'rabbitmq.write:*/amq.topic/apps.tilechat.users.alice.*.messages.delivered',
      'rabbitmq.write:*/amq.topic/apps.tilechat.users.alice.*.messages.read',
      'rabbitmq.write:*/amq.topic/apps.tilechat.users.alice.*.typing',
      'rabbitmq.write:*/amq.topic/apps.tilechat.users.alice.*.messages.*.update',
      'rabbitmq.write:*/amq.topic/apps.tilechat.users.alice.conversations.*.archive',
      'rabbitmq.write:*/amq.topic/apps.tilechat.users.alice.conversations.*.unarchive',
      'rabbitmq.read:*/amq.topic/apps.tilechat.users.alice.*',
      'rabbitmq.configure:*/mqtt-subscription-alice~*',
      'rabbitmq.write:*/mqtt-subscription-alice~*',
      'rabbitmq.read:*/mqtt-subscription-alice~*',
    ]);
    expect(grants.publish).toEqual([
      'apps/tilechat/users/alice/+/messages/outgoing',
      'apps/tilechat/users/alice/blocks/+/command',
      'apps/tilechat/users/alice/groups/+/command',
      'apps/tilechat/users/alice/presence/command',
      'apps/tilechat/users/alice/presence/watch',
      'apps/tilechat/users/alice/+/messages/delivered',
      'apps/tilechat/users/alice/+/messages/read',
      'apps/tilechat/users/alice/+/typing',
      'apps/tilechat/users/alice/+/messages/+/update',
      'apps/tilechat/users/alice/conversations/+/archive',
      'apps/tilechat/users/alice/conversations/+/unarchive',
    ]);
    expect(grants.subscribe).toEqual(['apps/tilechat/users/alice/#']);
    expect(grants.clientIdPrefix).toBe('alice~');
  });

  // Over several prefixes and ids (a leading "/", an id that is another's prefix, dots-free ids
  // with dashes), so a widening that the fixed list above would not show still fails here.
  const cases: Array<[string, string, string]> = [
    ['apps/tilechat/users', 'alice', 'rabbitmq'],
    ['/chat', 'al', 'broker-1'],
    ['a/b/c/d', 'user_1-x', 'rabbitmq'],
  ];

  it.each(cases)('under %s, %s may touch nothing of anyone else', (prefix, user, audience) => {
    const layout = new TopicLayout(prefix);
    const grants = userGrants(layout, user, audience);
    const scopes = parsed(grants.scopes, audience);
    const others = ['bob', `${user}x`, user.slice(0, -1)];
    const key = (mqttTopic: string) => mqttToAmqp(mqttTopic);

    for (const { permission, resource } of scopes) {
      expect(['read', 'write', 'configure']).toContain(permission);
      expect(resource).not.toContain('#');
      if (resource.startsWith('amq.topic/')) {
        const pattern = resource.slice('amq.topic/'.length);
        // Only the exchange clients publish to, never configured, only under the user's own path.
        expect(permission).not.toBe('configure');
        expect(pattern.startsWith(`${layout.amqpPrefix}.${user}.`)).toBe(true);
        for (const other of others) {
          for (const topic of [
            layout.outgoing(other, user),
            layout.clientAdded(other, user),
            layout.clientRejected(other, user),
            layout.blockCommand(other, user),
            layout.blockResult(other, user),
            layout.groupCommand(other, 'group-1'),
            layout.groupUpdated(other, 'group-1'),
            layout.clientAdded(other, 'group-1'),
            layout.presenceCommand(other),
            layout.presenceWatch(other),
            layout.presenceResult(other),
            layout.presenceUpdated(other, user),
            layout.delivered(other, user),
            layout.read(other, user),
            layout.typing(other, user),
            layout.messageUpdate(other, user, MESSAGE_ID),
            layout.archive(other, user),
            layout.receiptsUpdated(other, user),
            layout.typingUpdated(other, user),
            layout.messageUpdated(other, user, MESSAGE_ID),
            layout.conversationUpdated(other, user),
          ]) {
            expect(brokerMatches(pattern, key(topic))).toBe(false);
          }
        }
        if (permission === 'write') {
          // What the engine publishes to the user is never the user's to write: no forged copies or results.
          for (const topic of [
            layout.clientAdded(user, 'bob'),
            layout.clientRejected(user, 'bob'),
            layout.blockResult(user, 'bob'),
            layout.clientAdded(user, 'group-1'),
            layout.groupResult(user, 'group-1'),
            layout.groupUpdated(user, 'group-1'),
            layout.groupDeleted(user, 'group-1'),
            layout.presenceResult(user),
            layout.presenceUpdated(user, 'bob'),
            layout.receiptsUpdated(user, 'bob'),
            layout.typingUpdated(user, 'bob'),
            layout.typingUpdated(user, 'group-1'),
            layout.messageResult(user, 'bob', MESSAGE_ID),
            layout.messageUpdated(user, 'bob', MESSAGE_ID),
            layout.messageDeleted(user, 'group-1', MESSAGE_ID),
            layout.conversationUpdated(user, 'bob'),
          ]) {
            expect(brokerMatches(pattern, key(topic))).toBe(false);
          }
        }
      } else {
        // Queues: only the MQTT plugin's subscription queues of the user's own client ids.
        expect(resource).toBe(`mqtt-subscription-${user}~*`);
      }
    }
    // What the user needs, they have.
    const can = (permission: string, topic: string) =>
      scopes.some((s) => s.permission === permission && s.resource.startsWith('amq.topic/') && brokerMatches(s.resource.slice(10), key(topic)));
    expect(can('write', layout.outgoing(user, 'bob'))).toBe(true);
    expect(can('write', layout.blockCommand(user, 'bob'))).toBe(true);
    expect(can('read', layout.clientAdded(user, 'bob'))).toBe(true);
    expect(can('read', layout.blockResult(user, 'bob'))).toBe(true);
    expect(can('write', layout.outgoing(user, 'group-1'))).toBe(true);
    expect(can('write', layout.groupCommand(user, 'group-1'))).toBe(true);
    expect(can('read', layout.clientAdded(user, 'group-1'))).toBe(true);
    expect(can('read', layout.groupUpdated(user, 'group-1'))).toBe(true);
    expect(can('read', layout.groupDeleted(user, 'group-1'))).toBe(true);
    expect(can('write', layout.presenceCommand(user))).toBe(true);
    expect(can('write', layout.presenceWatch(user))).toBe(true);
    expect(can('read', layout.presenceResult(user))).toBe(true);
    expect(can('read', layout.presenceUpdated(user, 'bob'))).toBe(true);
    for (const topic of [
      layout.delivered(user, 'bob'),
      layout.read(user, 'group-1'),
      layout.typing(user, 'bob'),
      layout.typing(user, 'group-1'),
      layout.messageUpdate(user, 'bob', MESSAGE_ID),
      layout.messageUpdate(user, 'group-1', MESSAGE_ID),
      layout.archive(user, 'bob'),
      layout.unarchive(user, 'group-1'),
    ]) {
      expect([topic, can('write', topic)]).toEqual([topic, true]);
    }
    for (const topic of [layout.receiptsUpdated(user, 'bob'), layout.typingUpdated(user, 'bob'), layout.messageUpdated(user, 'bob', MESSAGE_ID), layout.conversationUpdated(user, 'bob')]) {
      expect([topic, can('read', topic)]).toEqual([topic, true]);
    }

    expect(grants.publish).toEqual([
      layout.outgoing(user, '+'),
      layout.blockCommand(user, '+'),
      layout.groupCommand(user, '+'),
      layout.presenceCommand(user),
      layout.presenceWatch(user),
      layout.delivered(user, '+'),
      layout.read(user, '+'),
      layout.typing(user, '+'),
      layout.messageUpdate(user, '+', '+'),
      layout.archive(user, '+'),
      layout.unarchive(user, '+'),
    ]);
    expect(grants.subscribe).toEqual([layout.inbox(user)]);
    expect(grants.clientIdPrefix).toBe(`${user}~`);
  });
});
