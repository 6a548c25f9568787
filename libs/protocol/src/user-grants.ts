import { TopicLayout } from './topics';
import { clientIdPrefix } from './user-id';

/** What a user's broker token allows, in the broker's terms (docs/tokens.md). */
export interface UserGrants {
  /** MQTT topics the user may publish to (`+` stands for any user id). */
  publish: string[];
  /** MQTT topic filters the user may subscribe to. */
  subscribe: string[];
  /** MQTT client ids must start with this. */
  clientIdPrefix: string;
  /** The scopes that say so, as the broker's oauth2 backend reads them. */
  scopes: string[];
}

/**
 * Least privilege for a chat user: publish only to their own outgoing, block, group and presence command topics and those of what
 * follows a message (receipts, typing, edits, archive),
 * subscribe only to their own inbox, and only use the MQTT subscription queues of their own
 * client ids (`<userId>~...`). The broker's only wildcard is `*`, which also matches dots, so
 * every pattern ends in a fixed word that inbox topics never end in.
 */
export function userGrants(layout: TopicLayout, userId: string, audience: string): UserGrants {
  const p = layout.amqpPrefix;
  const queues = `mqtt-subscription-${clientIdPrefix(userId)}*`;
  const scope = (permission: string, resource: string) => `${audience}.${permission}:*/${resource}`;
  return {
    publish: [
      layout.outgoing(userId, '+'),
      layout.blockCommand(userId, '+'),
      layout.groupCommand(userId, '+'),
      layout.presenceCommand(userId),
      layout.presenceWatch(userId),
      layout.delivered(userId, '+'),
      layout.read(userId, '+'),
      layout.typing(userId, '+'),
      layout.messageUpdate(userId, '+', '+'),
      layout.archive(userId, '+'),
      layout.unarchive(userId, '+'),
    ],
    subscribe: [layout.inbox(userId)],
    clientIdPrefix: clientIdPrefix(userId),
    scopes: [
      scope('write', `amq.topic/${p}.${userId}.*.messages.outgoing`),
      scope('write', `amq.topic/${p}.${userId}.blocks.*.command`),
      scope('write', `amq.topic/${p}.${userId}.groups.*.command`),
      scope('write', `amq.topic/${p}.${userId}.presence.command`),
      scope('write', `amq.topic/${p}.${userId}.presence.watch`),
      scope('write', `amq.topic/${p}.${userId}.*.messages.delivered`),
      scope('write', `amq.topic/${p}.${userId}.*.messages.read`),
      scope('write', `amq.topic/${p}.${userId}.*.typing`),
      scope('write', `amq.topic/${p}.${userId}.*.messages.*.update`),
      scope('write', `amq.topic/${p}.${userId}.conversations.*.archive`),
      scope('write', `amq.topic/${p}.${userId}.conversations.*.unarchive`),
      scope('read', `amq.topic/${p}.${userId}.*`),
      scope('configure', queues),
      scope('write', queues),
      scope('read', queues),
    ],
  };
}
