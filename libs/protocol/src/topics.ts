import { utf8Length } from './utf8';
import { isMessageId } from './message-life';
import { isValidGroupId } from './group-id';
import { isValidUserId } from './user-id';

/**
 * The peer word used in the `clientrejected` topic of a message whose own topic named no valid
 * recipient (INVALID_TOPIC): `{prefix}/{sender}/_invalid/messages/clientrejected`.
 */
export const INVALID_TOPIC_PEER = '_invalid';

/** The exchange the broker's MQTT plugin publishes clients' messages to and delivers inboxes from (`mqtt.exchange`). */
export const MQTT_EXCHANGE = 'amq.topic';

/** AMQP carries a routing key as a short string: at most 255 bytes. Longer topics are refused. */
export const MAX_ROUTING_KEY_BYTES = 255;

/** The longest topic of the layout, after the prefix: two user ids, a message id and the longest fixed words. */
const LONGEST_SUFFIX = `/${'u'.repeat(64)}/${'u'.repeat(64)}/messages/${'M'.repeat(26)}/clientupdated`.length;

/** A user or a group: what may stand after the owner in a conversation's topics. */
function isPeer(word: string): boolean {
  return isValidUserId(word) || isValidGroupId(word);
}

/** MQTT topics use `/` between words; the broker's MQTT plugin maps them to AMQP routing keys with `.`. */
export function mqttToAmqp(topic: string): string {
  return topic.replace(/\//g, '.').replace(/\+/g, '*');
}

export function amqpToMqtt(routingKey: string): string {
  return routingKey.replace(/\./g, '/').replace(/\*/g, '+');
}

export type TopicKind =
  | 'outgoing'
  | 'clientadded'
  | 'clientrejected'
  | 'block-command'
  | 'block-result'
  | 'group-command'
  | 'group-result'
  | 'group-updated'
  | 'group-deleted'
  | 'presence-command'
  | 'presence-watch'
  | 'presence-result'
  | 'presence-updated'
  | 'delivered'
  | 'read'
  | 'receipts-updated'
  | 'receipts-result'
  | 'typing'
  | 'typing-updated'
  | 'message-update'
  | 'message-result'
  | 'message-updated'
  | 'message-deleted'
  | 'archive'
  | 'unarchive'
  | 'conversation-updated'
  | 'conversation-result';

export interface ParsedTopic {
  kind: TopicKind;
  /** The user whose path this is (the publisher for outgoing messages and commands). */
  owner: string;
  /**
   * The other user, or the group, named in the path (a group id only for message, typing, archive
   * and group topics; the watched user for presence-updated; empty for the presence topics that name
   * no one else).
   */
  peer: string;
  /** The message a message-update topic names. */
  messageId?: string;
}

const MESSAGE_KINDS = new Map<string, TopicKind>([
  ['outgoing', 'outgoing'],
  ['clientadded', 'clientadded'],
  ['clientrejected', 'clientrejected'],
  ['delivered', 'delivered'],
  ['read', 'read'],
]);
const MESSAGE_UPDATE_KINDS = new Map<string, TopicKind>([
  ['update', 'message-update'],
  ['result', 'message-result'],
  ['clientupdated', 'message-updated'],
  ['clientdeleted', 'message-deleted'],
]);
const CONVERSATION_KINDS = new Map<string, TopicKind>([
  ['archive', 'archive'],
  ['unarchive', 'unarchive'],
  ['clientupdated', 'conversation-updated'],
  ['result', 'conversation-result'],
]);
const RECEIPTS_KINDS = new Map<string, TopicKind>([
  ['clientupdated', 'receipts-updated'],
  ['result', 'receipts-result'],
]);

const BLOCK_KINDS = new Map<string, TopicKind>([
  ['command', 'block-command'],
  ['result', 'block-result'],
]);
const PRESENCE_KINDS = new Map<string, TopicKind>([
  ['command', 'presence-command'],
  ['watch', 'presence-watch'],
  ['result', 'presence-result'],
]);
const GROUP_KINDS = new Map<string, TopicKind>([
  ['command', 'group-command'],
  ['result', 'group-result'],
  ['clientupdated', 'group-updated'],
  ['clientdeleted', 'group-deleted'],
]);

/**
 * The topic layout under a path prefix (PATH_PREFIX, e.g. `apps/tilechat/users`; a leading `/` is
 * kept verbatim, as MQTT treats it as an empty first word).
 *
 *   {prefix}/{sender}/{recipient}/messages/outgoing        client -> engine (recipient: a user or a group)
 *   {prefix}/{owner}/{peer}/messages/clientadded           engine -> owner's inbox
 *   {prefix}/{sender}/{recipient}/messages/clientrejected  engine -> sender's inbox
 *   {prefix}/{me}/blocks/{other}/command                   client -> engine (block / unblock)
 *   {prefix}/{me}/blocks/{other}/result                    engine -> me
 *   {prefix}/{me}/groups/{groupId}/command                 client -> engine (create, add members, leave...)
 *   {prefix}/{me}/groups/{groupId}/result                  engine -> me
 *   {prefix}/{member}/groups/{groupId}/clientupdated       engine -> member (the group's new state)
 *   {prefix}/{member}/groups/{groupId}/clientdeleted       engine -> member (the group is gone)
 *   {prefix}/{me}/presence/command                         client -> engine (set my status)
 *   {prefix}/{me}/presence/watch                           client -> engine (the users whose presence I want)
 *   {prefix}/{me}/presence/result                          engine -> me
 *   {prefix}/{watcher}/presence/{userId}/clientupdated     engine -> watcher (a watched user's presence)
 *   {prefix}/{me}/{peer}/messages/delivered|read           client -> engine (a receipt: up to a message id)
 *   {prefix}/{owner}/{peer}/messages/receipts/clientupdated engine -> owner (read positions in the conversation)
 *   {prefix}/{me}/{peer}/messages/receipts/result          engine -> me (a receipt refused)
 *   {prefix}/{me}/{peer}/typing                            client -> engine (typing / paused)
 *   {prefix}/{owner}/{peer}/typing/clientupdated           engine -> owner (the peer, or a member of group peer, types)
 *   {prefix}/{me}/{peer}/messages/{messageId}/update       client -> engine (edit or delete my message)
 *   {prefix}/{me}/{peer}/messages/{messageId}/result       engine -> me (the outcome of an update)
 *   {prefix}/{owner}/{peer}/messages/{messageId}/clientupdated|clientdeleted  engine -> owner
 *   {prefix}/{me}/conversations/{peer}/archive|unarchive   client -> engine
 *   {prefix}/{me}/conversations/{peer}/clientupdated       engine -> me (archived or not, to all my devices)
 *   {prefix}/{me}/conversations/{peer}/result              engine -> me (an archive command refused)
 */
export class TopicLayout {
  readonly prefix: string;
  private readonly prefixWords: string[];

  constructor(pathPrefix: string) {
    const trimmed = pathPrefix.replace(/\/+$/, '');
    if (!trimmed || /[+#.*]/.test(trimmed) || /\/\//.test(trimmed)) {
      throw new Error(`invalid path prefix "${pathPrefix}": words separated by single "/", no "+", "#", "*" or "."`);
    }
    if (utf8Length(trimmed) + LONGEST_SUFFIX > MAX_ROUTING_KEY_BYTES) {
      throw new Error(`path prefix "${pathPrefix}" is too long: topics under it must fit in ${MAX_ROUTING_KEY_BYTES} bytes`);
    }
    this.prefix = trimmed;
    this.prefixWords = trimmed.split('/');
  }

  outgoing(sender: string, recipient: string): string {
    return `${this.prefix}/${sender}/${recipient}/messages/outgoing`;
  }

  clientAdded(owner: string, peer: string): string {
    return `${this.prefix}/${owner}/${peer}/messages/clientadded`;
  }

  clientRejected(sender: string, recipient: string): string {
    return `${this.prefix}/${sender}/${recipient}/messages/clientrejected`;
  }

  blockCommand(me: string, other: string): string {
    return `${this.prefix}/${me}/blocks/${other}/command`;
  }

  blockResult(me: string, other: string): string {
    return `${this.prefix}/${me}/blocks/${other}/result`;
  }

  groupCommand(me: string, groupId: string): string {
    return `${this.prefix}/${me}/groups/${groupId}/command`;
  }

  groupResult(me: string, groupId: string): string {
    return `${this.prefix}/${me}/groups/${groupId}/result`;
  }

  groupUpdated(member: string, groupId: string): string {
    return `${this.prefix}/${member}/groups/${groupId}/clientupdated`;
  }

  groupDeleted(member: string, groupId: string): string {
    return `${this.prefix}/${member}/groups/${groupId}/clientdeleted`;
  }

  presenceCommand(me: string): string {
    return `${this.prefix}/${me}/presence/command`;
  }

  presenceWatch(me: string): string {
    return `${this.prefix}/${me}/presence/watch`;
  }

  presenceResult(me: string): string {
    return `${this.prefix}/${me}/presence/result`;
  }

  presenceUpdated(watcher: string, userId: string): string {
    return `${this.prefix}/${watcher}/presence/${userId}/clientupdated`;
  }

  delivered(me: string, peer: string): string {
    return `${this.prefix}/${me}/${peer}/messages/delivered`;
  }

  read(me: string, peer: string): string {
    return `${this.prefix}/${me}/${peer}/messages/read`;
  }

  receiptsUpdated(owner: string, peer: string): string {
    return `${this.prefix}/${owner}/${peer}/messages/receipts/clientupdated`;
  }

  receiptsResult(me: string, peer: string): string {
    return `${this.prefix}/${me}/${peer}/messages/receipts/result`;
  }

  typing(me: string, peer: string): string {
    return `${this.prefix}/${me}/${peer}/typing`;
  }

  typingUpdated(owner: string, peer: string): string {
    return `${this.prefix}/${owner}/${peer}/typing/clientupdated`;
  }

  messageUpdate(me: string, peer: string, messageId: string): string {
    return `${this.prefix}/${me}/${peer}/messages/${messageId}/update`;
  }

  messageResult(me: string, peer: string, messageId: string): string {
    return `${this.prefix}/${me}/${peer}/messages/${messageId}/result`;
  }

  messageUpdated(owner: string, peer: string, messageId: string): string {
    return `${this.prefix}/${owner}/${peer}/messages/${messageId}/clientupdated`;
  }

  messageDeleted(owner: string, peer: string, messageId: string): string {
    return `${this.prefix}/${owner}/${peer}/messages/${messageId}/clientdeleted`;
  }

  archive(me: string, peer: string): string {
    return `${this.prefix}/${me}/conversations/${peer}/archive`;
  }

  unarchive(me: string, peer: string): string {
    return `${this.prefix}/${me}/conversations/${peer}/unarchive`;
  }

  conversationUpdated(owner: string, peer: string): string {
    return `${this.prefix}/${owner}/conversations/${peer}/clientupdated`;
  }

  conversationResult(me: string, peer: string): string {
    return `${this.prefix}/${me}/conversations/${peer}/result`;
  }

  /** Everything a user may subscribe to: their own inbox. */
  inbox(userId: string): string {
    return `${this.prefix}/${userId}/#`;
  }

  /** The AMQP form of the prefix, for binding patterns (`apps.tilechat.users`). */
  get amqpPrefix(): string {
    return mqttToAmqp(this.prefix);
  }

  /** Parses an MQTT topic. Returns null when it is not a well-formed topic of this layout. */
  parse(topic: string): ParsedTopic | null {
    if (utf8Length(topic) > MAX_ROUTING_KEY_BYTES) return null;
    const words = topic.split('/');
    const n = this.prefixWords.length;
    for (let i = 0; i < n; i++) if (words[i] !== this.prefixWords[i]) return null;
    if (words.length === n + 3) {
      const [owner, second, last] = words.slice(n);
      if (!isValidUserId(owner)) return null;
      const presenceKind = second === 'presence' ? PRESENCE_KINDS.get(last) : undefined;
      if (presenceKind) return { kind: presenceKind, owner, peer: '' };
      return last === 'typing' && isPeer(second) ? { kind: 'typing', owner, peer: second } : null;
    }
    if (words.length === n + 5) {
      const [owner, peer, third, fourth, last] = words.slice(n);
      if (!isValidUserId(owner) || !isPeer(peer) || third !== 'messages') return null;
      if (fourth === 'receipts') {
        const kind = RECEIPTS_KINDS.get(last);
        return kind ? { kind, owner, peer } : null;
      }
      const kind = MESSAGE_UPDATE_KINDS.get(last);
      return kind && isMessageId(fourth) ? { kind, owner, peer, messageId: fourth } : null;
    }
    if (words.length !== n + 4) return null;
    const [owner, second, third, last] = words.slice(n);
    if (!isValidUserId(owner)) return null;
    if (second === 'presence' && last === 'clientupdated') return isValidUserId(third) ? { kind: 'presence-updated', owner, peer: third } : null;
    if (second === 'conversations') {
      const kind = CONVERSATION_KINDS.get(last);
      return kind && isPeer(third) ? { kind, owner, peer: third } : null;
    }
    if (third === 'typing' && last === 'clientupdated') return isPeer(second) ? { kind: 'typing-updated', owner, peer: second } : null;
    const messageKind = third === 'messages' ? MESSAGE_KINDS.get(last) : undefined;
    if (messageKind) return isPeer(second) ? { kind: messageKind, owner, peer: second } : null;
    const blockKind = second === 'blocks' ? BLOCK_KINDS.get(last) : undefined;
    if (blockKind) return isValidUserId(third) ? { kind: blockKind, owner, peer: third } : null;
    const groupKind = second === 'groups' ? GROUP_KINDS.get(last) : undefined;
    if (groupKind) return isValidGroupId(third) ? { kind: groupKind, owner, peer: third } : null;
    return null;
  }

  /**
   * The user whose path a topic is under, even when the rest of it is malformed: the broker only
   * lets a user publish under their own path, so this is the publisher. Null if not identifiable.
   */
  ownerOf(topic: string): string | null {
    const words = topic.split('/');
    const n = this.prefixWords.length;
    for (let i = 0; i < n; i++) if (words[i] !== this.prefixWords[i]) return null;
    return isValidUserId(words[n]) ? words[n] : null;
  }

  /** Parses an AMQP routing key (the MQTT topic with `.` for `/`). */
  parseRoutingKey(routingKey: string): ParsedTopic | null {
    return this.parse(amqpToMqtt(routingKey));
  }
}
