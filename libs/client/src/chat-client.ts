import {
  ConversationNotice,
  DeliveredMessage,
  ErrorCode,
  GroupCommand,
  GroupDeletedNotice,
  GroupResult,
  GroupNotice,
  GroupSystemMessage,
  MessageDeletedNotice,
  MessageEditedNotice,
  MessageUpdate,
  MessageUpdateResult,
  isMessageId,
  isValidGroupId,
  isValidUserId,
  newGroupId,
  PresenceCommand,
  PresenceNotice,
  PresenceResult,
  PresenceStatus,
  TypingNotice,
  TypingState,
  RejectionCode,
} from '@app/protocol';
import { reconnectDelay } from './backoff';
import { ClientErrorCode, ConnectError, ConversationCommandError, GroupCommandError, MessageUpdateError, PresenceCommandError, ReceiptError, SendError } from './errors';
import { buildGroupCommand } from './group-commands';
import { InboundEvent, ReceiptRefusal, ReceiptUpdate, Rejection, routeInbound } from './inbox-router';
import { buildMessageUpdate } from './message-updates';
import { mqttTransport } from './mqtt-transport';
import { ChatClientOptions, ResolvedOptions, resolveOptions } from './options';
import { buildOutgoing, SendOptions } from './outgoing';
import { PendingCommands } from './pending-commands';
import { ConversationAction, PendingConversations } from './pending-conversations';
import { PendingPresence, PresenceCommandKind } from './pending-presence';
import { PendingReceipts, ReceiptKind } from './pending-receipts';
import { PendingSends } from './pending-sends';
import { PendingUpdates } from './pending-updates';
import { buildStatusCommand, buildWatchCommand, BuiltPresenceCommand } from './presence-commands';
import { RecentIds } from './recent-ids';
import { Transport } from './transport';
import { TypedEmitter } from './typed-emitter';
import { TypingThrottle } from './typing-throttle';

/**
 * connecting: the first connection is being made (connect() has not resolved yet).
 * connected: online and subscribed.
 * reconnecting: the connection was lost; sends wait and go out once it is back.
 * closed: close() was called, or the connection was lost with reconnect disabled.
 */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface GroupCommandOptions {
  /** Overrides the client's sendTimeoutMs for this command. */
  timeoutMs?: number;
}

export interface PresenceCommandOptions {
  /** Overrides the client's sendTimeoutMs for this command. */
  timeoutMs?: number;
}

export interface MessageUpdateOptions {
  /** Overrides the client's sendTimeoutMs for this edit or delete. */
  timeoutMs?: number;
}

export interface ConversationCommandOptions {
  /** Overrides the client's sendTimeoutMs for this command. */
  timeoutMs?: number;
}

export interface CreateGroupOptions extends GroupCommandOptions {
  /** The other members (the creator is the owner). */
  members?: string[];
  attributes?: Record<string, unknown>;
  /** The new group's id (`group-...`); a new one (newGroupId()) unless given. */
  groupId?: string;
}

export interface GroupChanges {
  name?: string;
  attributes?: Record<string, unknown>;
}

export type ChatClientEvents = {
  /**
   * A message to this user: from another user (`channel_type` direct), or from another member of a
   * group (`channel_type` group, `recipient` the group id). `history: true` marks an earlier message
   * replayed to a new member: not new, do not notify.
   */
  message: [message: DeliveredMessage];
  /** The engine accepted a message this user sent (from this client or another of the user's devices). */
  sent: [message: DeliveredMessage];
  /** The engine refused a message this user sent. */
  rejected: [rejection: Rejection];
  /** A group's system message (a member joined, left, was removed, the group changed...): `attributes` says what. */
  groupEvent: [message: GroupSystemMessage];
  /** A group this user is (or was, until this change) a member of, as it is now. */
  groupUpdated: [group: GroupNotice];
  /** A group this user was a member of was deleted. */
  groupDeleted: [notice: GroupDeletedNotice];
  /**
   * A watched user's presence as this user may see it: their current state right after a watch list
   * is accepted (also the one sent again after a reconnect), then every change. Invisible users, and
   * users in a block with this user (either way), show as `offline`.
   */
  presence: [notice: PresenceNotice];
  /**
   * A message of one of this user's conversations was edited by its sender (also one this user
   * edited, from this or another device): `text` is the new text. `recipient` is the group for a
   * group message.
   */
  messageEdited: [notice: MessageEditedNotice];
  /** A message of one of this user's conversations was deleted (by its sender, or by an admin): show it as deleted, its content gone. */
  messageDeleted: [notice: MessageDeletedNotice];
  /**
   * Someone types (`state` typing) or stopped (`paused`) in the conversation `peer`: the other user
   * of a direct conversation (then `notice.user` too), or a group (`notice.user` the member). Typing
   * is a hint, never stored or sent again: show it for a few seconds (about 6) unless refreshed.
   */
  typing: [notice: TypingNotice, peer: string];
  /**
   * A user's delivered and read positions in a conversation (`peer`: the other user, or the group),
   * whenever they move: this user's own (reported by any of their devices: count as unread only the
   * messages after `read_up_to`), and in a direct conversation the other party's (`user` is the peer).
   */
  receipts: [update: ReceiptUpdate];
  /**
   * The engine refused a receipt (a message id not in the conversation, not a member, over the
   * rate...). Receipts of all the user's devices are answered on one topic, so it may be another
   * device's.
   */
  receiptRefused: [refusal: ReceiptRefusal];
  /**
   * A conversation of this user's (`peer`: the other user or the group) was archived or brought
   * back, from this device, another one, or the admin API. A new message in an archived
   * conversation brings it back with no such event: the message is the sign.
   */
  conversationUpdated: [notice: ConversationNotice];
  /** A copy that was already delivered arrived again (at-least-once delivery) and was dropped. */
  duplicate: [message: DeliveredMessage];
  /** The state changed, or a reconnect attempt failed; `error` says why. */
  state: [state: ConnectionState, error: Error | undefined];
};

export interface ChatClientStats {
  /** Redelivered copies dropped (same message_id and status). */
  duplicates: number;
  /** The user's own publishes that came back and were ignored. */
  echoes: number;
  /** Inbound messages that were not of the documented shape. */
  malformed: number;
  /** Reconnect attempts made. */
  reconnectAttempts: number;
}

/**
 * A chat user's connection to the engine, over the broker. It hides the topic layout (built and
 * parsed by libs/protocol, the module the engine uses), turns the engine's answers into typed
 * events and settled sends, drops duplicates, and reconnects with a fresh token.
 */
export class ChatClient extends TypedEmitter<ChatClientEvents> {
  readonly stats: ChatClientStats = { duplicates: 0, echoes: 0, malformed: 0, reconnectAttempts: 0 };
  private currentState: ConnectionState = 'connecting';
  private readonly pending = new PendingSends();
  private readonly commands = new PendingCommands();
  private readonly presence = new PendingPresence();
  private readonly updates = new PendingUpdates();
  private readonly typingThrottle = new TypingThrottle((peer, state) => this.publishTyping(peer, state));
  private readonly receipts: PendingReceipts;
  private readonly conversations = new PendingConversations();
  /** Numbers the group and presence commands of this client (their command_id). */
  private commandSeq = 0;
  private readonly recent: RecentIds;
  private token: string;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private fetchingToken = false;
  private lastError: Error | undefined;
  private readonly ready: Promise<void>;
  private settleReady: { resolve: () => void; reject: (err: Error) => void } | null = null;

  private constructor(
    private readonly options: ResolvedOptions,
    private readonly transport: Transport,
  ) {
    super();
    this.token = options.token;
    this.recent = new RecentIds(options.dedupeCapacity);
    this.receipts = new PendingReceipts(options.receiptIntervalMs, (peer, kind, messageId) => this.publishReceipt(peer, kind, messageId));
    this.ready = new Promise((resolve, reject) => (this.settleReady = { resolve, reject }));
    transport.on('connect', () => this.onConnect());
    transport.on('close', () => this.onClose());
    transport.on('error', (error, returnCode) => this.onError(error, returnCode));
    transport.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  /** Connects and subscribes; resolves once messages to the user can arrive. */
  static async connect(options: ChatClientOptions): Promise<ChatClient> {
    const resolved = resolveOptions(options);
    const factory = options.transport ?? mqttTransport;
    const transport = factory({
      url: resolved.url,
      ...(resolved.ca && { ca: resolved.ca }),
      clientId: resolved.clientId,
      username: resolved.userId,
      password: resolved.token,
      keepaliveSeconds: resolved.keepaliveSeconds,
      connectTimeoutMs: resolved.connectTimeoutMs,
    });
    const client = new ChatClient(resolved, transport);
    try {
      await client.ready;
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get userId(): string {
    return this.options.userId;
  }

  get clientId(): string {
    return this.options.clientId;
  }

  /** Sends waiting for the engine's answer. */
  get pendingSends(): number {
    return this.pending.size;
  }

  /** Conversations with a receipt waiting for its turn or for the connection. */
  get pendingReceipts(): number {
    return this.receipts.size;
  }

  /** Group, presence and archive commands, edits and deletes waiting for the engine's answer. */
  get pendingCommands(): number {
    return this.commands.size + this.presence.size + this.conversations.size + this.updates.size;
  }

  /**
   * Sends a message, to a user or to a group (`to` a group id); resolves with the engine's message_id once the engine has stored it (its
   * confirmation copy arrived). Rejects with a SendError: the engine's RejectionCode, or TIMEOUT /
   * CLOSED. After a TIMEOUT the message may still have been stored: retry with the same
   * `clientMessageId` and the engine answers with the first message_id instead of storing it twice.
   */
  send(to: string, text: string, options: SendOptions = {}): Promise<string> {
    const built = buildOutgoing(to, text, options, this.options.maxPayloadBytes);
    if (this.currentState === 'closed') {
      return Promise.reject(new SendError(ClientErrorCode.CLOSED, 'the client is closed', built.clientMessageId, true));
    }
    if (!built.ok) return Promise.reject(new SendError(built.code, built.reason, built.clientMessageId, true));
    const timeoutMs = options.timeoutMs ?? this.options.sendTimeoutMs;
    if (!isPositiveInteger(timeoutMs)) return Promise.reject(timeoutError(timeoutMs));
    const publish = { topic: this.options.layout.outgoing(this.options.userId, to), body: built.body };
    const answer = this.pending.wait(built.clientMessageId, timeoutMs, publish);
    // While reconnecting it waits in `pending` and goes out once the subscription is back.
    if (this.currentState === 'connected') this.transport.publish(publish.topic, publish.body, this.options.qos);
    return answer;
  }

  /**
   * Creates a group owned by this user, with the other `members` if given; resolves with its state.
   * The group id is made here (newGroupId()) unless `groupId` is given; an id in use fails with CONFLICT.
   */
  async createGroup(name: string, options: CreateGroupOptions = {}): Promise<GroupNotice> {
    const command: GroupCommand = { action: 'create', name };
    if (options.attributes !== undefined) command.attributes = options.attributes;
    if (options.members !== undefined) command.members = options.members;
    return stateOf(await this.command(options.groupId ?? newGroupId(), command, options));
  }

  /** Renames the group and/or replaces its attributes (owner or admin); resolves with its new state. */
  async updateGroup(groupId: string, changes: GroupChanges, options: GroupCommandOptions = {}): Promise<GroupNotice> {
    const command: GroupCommand = { action: 'update' };
    if (changes.name !== undefined) command.name = changes.name;
    if (changes.attributes !== undefined) command.attributes = changes.attributes;
    return stateOf(await this.command(groupId, command, options));
  }

  /** Adds members (owner or admin); resolves with the group's new state. */
  async addMembers(groupId: string, members: string[], options: GroupCommandOptions = {}): Promise<GroupNotice> {
    return stateOf(await this.command(groupId, { action: 'add_members', members }, options));
  }

  /** Removes a member (owner or admin); resolves with the group's new state. */
  async removeMember(groupId: string, memberId: string, options: GroupCommandOptions = {}): Promise<GroupNotice> {
    return stateOf(await this.command(groupId, { action: 'remove_member', member_id: memberId }, options));
  }

  /** Leaves the group. */
  async leaveGroup(groupId: string, options: GroupCommandOptions = {}): Promise<void> {
    await this.command(groupId, { action: 'leave' }, options);
  }

  /** Makes a member an admin or a plain member (the owner); resolves with the group's new state. */
  async setMemberRole(groupId: string, memberId: string, role: 'admin' | 'member', options: GroupCommandOptions = {}): Promise<GroupNotice> {
    return stateOf(await this.command(groupId, { action: 'set_role', member_id: memberId, role }, options));
  }

  /** Hands the group to another member (the owner); resolves with the group's new state. */
  async transferOwnership(groupId: string, memberId: string, options: GroupCommandOptions = {}): Promise<GroupNotice> {
    return stateOf(await this.command(groupId, { action: 'transfer_ownership', member_id: memberId }, options));
  }

  /** Deletes the group (the owner). */
  async deleteGroup(groupId: string, options: GroupCommandOptions = {}): Promise<void> {
    await this.command(groupId, { action: 'delete' }, options);
  }

  /**
   * Publishes a group command and waits for its result (matched in order per group: see
   * PendingCommands). Unlike a send it is never published twice: after a lost connection a command
   * that was out fails with DISCONNECTED, one that was waiting for the connection goes out once it
   * is back.
   */
  private command(groupId: string, command: GroupCommand, options: GroupCommandOptions): Promise<GroupResult> {
    const commandId = this.newCommandId();
    command = { ...command, command_id: commandId };
    const { action } = command;
    if (this.currentState === 'closed') return Promise.reject(new GroupCommandError(ClientErrorCode.CLOSED, 'the client is closed', groupId, action, true));
    const built = buildGroupCommand(groupId, command, this.options.maxPayloadBytes, this.options.maxGroupMembers);
    if (!built.ok) return Promise.reject(new GroupCommandError(built.code, built.reason, groupId, action, true));
    const timeoutMs = options.timeoutMs ?? this.options.sendTimeoutMs;
    if (!isPositiveInteger(timeoutMs)) return Promise.reject(timeoutError(timeoutMs));
    const publish = { topic: this.options.layout.groupCommand(this.options.userId, groupId), body: built.body };
    const online = this.currentState === 'connected';
    const answer = this.commands.wait(groupId, action, publish, online, timeoutMs, commandId);
    if (online) this.transport.publish(publish.topic, publish.body, this.options.qos);
    return answer;
  }

  /**
   * Sets this user's status (`online`, `away`, `busy`, or `invisible`: shown to others as offline)
   * and text (at most 140 characters; none when absent or null) until it is changed, or until all
   * the user's connections close. Resolves with the engine's result (the status and text as set).
   * The client sends the last accepted status again after a reconnect.
   */
  setStatus(status: PresenceStatus, text?: string | null, options: PresenceCommandOptions = {}): Promise<PresenceResult> {
    const command: PresenceCommand = { status };
    if (text !== undefined) command.text = text;
    return this.presenceCommand('status', (commandId) => buildStatusCommand(command, commandId, this.options.maxPayloadBytes), options);
  }

  /**
   * Replaces the list of users whose presence this user wants (`[]`: none; at most the engine's
   * PRESENCE_MAX_WATCHED). Resolves with the engine's result (`watched`, and the `unknown` ids that
   * are no registered user); each watched user's current state then arrives as a `presence` event,
   * and every change after it. The client sends the last accepted list again after a reconnect.
   */
  watch(userIds: string[], options: PresenceCommandOptions = {}): Promise<PresenceResult> {
    const { maxPayloadBytes, maxWatchedUsers } = this.options;
    return this.presenceCommand('watch', (commandId) => buildWatchCommand({ users: userIds }, commandId, maxPayloadBytes, maxWatchedUsers), options);
  }

  /**
   * Tells the engine this user has seen the conversation with `peer` (a user or a group) up to
   * `messageId`: their read position, which every device of theirs and, in a direct conversation,
   * the other party are told of (the `receipts` event). Resolves once published: the engine answers
   * only a refusal, as a `receiptRefused` event. Receipts are coalesced and paced like the automatic
   * `delivered` ones (at most one per receiptIntervalMs per conversation; the highest in between
   * goes out), and one at or below a position already published or announced is not published (it
   * resolves at once). While reconnecting it waits, and goes out once the connection is back.
   * Rejects with a ReceiptError: a peer that is no user or group id (INVALID_TOPIC) or a message id
   * not of the engine's making (VALIDATION_FAILED), found before publishing, or CLOSED.
   */
  markRead(peer: string, messageId: string): Promise<void> {
    if (this.currentState === 'closed') return Promise.reject(new ReceiptError(ClientErrorCode.CLOSED, 'the client is closed', peer, messageId, true));
    if (!isValidUserId(peer) && !isValidGroupId(peer)) {
      return Promise.reject(new ReceiptError(RejectionCode.INVALID_TOPIC, `"${String(peer)}" is neither a user id nor a group id`, peer, messageId, true));
    }
    if (!isMessageId(messageId)) {
      return Promise.reject(new ReceiptError(ErrorCode.VALIDATION_FAILED, 'messageId must be a message id (26 characters, as the engine gives them)', peer, messageId, true));
    }
    return this.receipts.wait(peer, 'read', messageId);
  }

  private publishReceipt(peer: string, kind: ReceiptKind, messageId: string): void {
    const { layout, userId, qos } = this.options;
    const topic = kind === 'read' ? layout.read(userId, peer) : layout.delivered(userId, peer);
    this.transport.publish(topic, JSON.stringify({ message_id: messageId }), qos);
  }

  /**
   * Publishes a presence command and waits for its result (matched by command_id: see
   * PendingPresence). Unlike a group command it may go out twice: after a lost connection, one that
   * was out goes out again, as does one made while reconnecting.
   */
  private presenceCommand(kind: PresenceCommandKind, build: (commandId: string) => BuiltPresenceCommand, options: PresenceCommandOptions): Promise<PresenceResult> {
    if (this.currentState === 'closed') return Promise.reject(new PresenceCommandError(ClientErrorCode.CLOSED, 'the client is closed', kind, true));
    const commandId = this.newCommandId();
    const built = build(commandId);
    if (!built.ok) return Promise.reject(new PresenceCommandError(built.code, built.reason, kind, true));
    const timeoutMs = options.timeoutMs ?? this.options.sendTimeoutMs;
    if (!isPositiveInteger(timeoutMs)) return Promise.reject(timeoutError(timeoutMs));
    const { layout, userId } = this.options;
    const topic = kind === 'status' ? layout.presenceCommand(userId) : layout.presenceWatch(userId);
    const online = this.currentState === 'connected';
    const answer = this.presence.wait(kind, commandId, { topic, body: built.body }, { topic, body: built.resend }, online, timeoutMs);
    if (online) this.transport.publish(topic, built.body, this.options.qos);
    return answer;
  }

  /**
   * Edits the text of a message this user sent to `peer` (a user or a group), within the engine's
   * MESSAGE_EDIT_WINDOW_SECONDS of sending. Resolves with the engine's result (`edited_at`); the
   * other party (or the group's members) and this user's devices get a `messageEdited` event.
   * Rejects with a MessageUpdateError: the engine's code (NOT_THE_SENDER, EDIT_WINDOW_PASSED,
   * MESSAGE_NOT_FOUND...) or TIMEOUT / CLOSED. Sent again after a reconnect while unanswered.
   */
  editMessage(peer: string, messageId: string, text: string, options: MessageUpdateOptions = {}): Promise<MessageUpdateResult> {
    return this.updateMessage(peer, messageId, { text }, options);
  }

  /**
   * Deletes (revokes) a message this user sent to `peer`, within MESSAGE_DELETE_WINDOW_SECONDS of
   * sending: its content is removed from the engine's storage. Resolves with the engine's result
   * (`deleted_at`; a message deleted already answers with the first deletion's); everyone in the
   * conversation gets a `messageDeleted` event. Rejects as editMessage does.
   */
  deleteMessage(peer: string, messageId: string, options: MessageUpdateOptions = {}): Promise<MessageUpdateResult> {
    return this.updateMessage(peer, messageId, { deleted: true }, options);
  }

  private updateMessage(peer: string, messageId: string, update: MessageUpdate, options: MessageUpdateOptions): Promise<MessageUpdateResult> {
    if (this.currentState === 'closed') return Promise.reject(new MessageUpdateError(ClientErrorCode.CLOSED, 'the client is closed', messageId, true));
    const commandId = this.newCommandId();
    const built = buildMessageUpdate(peer, messageId, { ...update, command_id: commandId }, this.options.maxPayloadBytes);
    if (!built.ok) return Promise.reject(new MessageUpdateError(built.code, built.reason, messageId, true));
    const timeoutMs = options.timeoutMs ?? this.options.sendTimeoutMs;
    if (!isPositiveInteger(timeoutMs)) return Promise.reject(timeoutError(timeoutMs));
    const publish = { topic: this.options.layout.messageUpdate(this.options.userId, peer, messageId), body: built.body };
    const online = this.currentState === 'connected';
    const answer = this.updates.wait(commandId, messageId, publish, online, timeoutMs);
    if (online) this.transport.publish(publish.topic, publish.body, this.options.qos);
    return answer;
  }

  /**
   * Tells `peer` (a user, or a group's other members) that this user is typing, or stopped
   * (`paused`). Fire-and-forget: nothing is answered, and an indicator the engine drops (over its
   * rate, a block, not a member) is dropped silently. Call it as often as keys are pressed: the
   * client sends a change at most every 500 ms per conversation (the latest state wins) and a repeat
   * only as a refresh every 3 s. Not sent while offline (a late indicator is worse than none).
   */
  typing(peer: string, state: TypingState = 'typing'): void {
    if (!isValidUserId(peer) && !isValidGroupId(peer)) throw new TypeError(`typing: "${String(peer)}" is neither a user id nor a group id`);
    if (state !== 'typing' && state !== 'paused') throw new TypeError(`typing: state must be "typing" or "paused", got ${String(state)}`);
    if (this.currentState === 'closed') return;
    this.typingThrottle.request(peer, state);
  }

  /** QoS 0: an indicator that did not get through is not worth sending again. */
  private publishTyping(peer: string, state: TypingState): boolean {
    if (this.currentState !== 'connected') return false;
    this.transport.publish(this.options.layout.typing(this.options.userId, peer), JSON.stringify({ state }), 0);
    return true;
  }

  /**
   * Archives the conversation with `peer` (a user, or a group this user is in): it leaves the
   * user's conversation list until a new message comes in it, sent or received. Resolves with the
   * notice all the user's devices get (`conversationUpdated`); rejects with a
   * ConversationCommandError (MESSAGE_NOT_FOUND when there is no such conversation of the user's).
   * Archiving again is harmless; after a lost connection the command goes out again.
   */
  archive(peer: string, options: ConversationCommandOptions = {}): Promise<ConversationNotice> {
    return this.conversationCommand(peer, 'archive', options);
  }

  /** Brings the conversation with `peer` back to the user's list (also when it was not archived); as archive. */
  unarchive(peer: string, options: ConversationCommandOptions = {}): Promise<ConversationNotice> {
    return this.conversationCommand(peer, 'unarchive', options);
  }

  /** Publishes an archive or unarchive command and waits for the notice or the refusal (see PendingConversations). */
  private conversationCommand(peer: string, action: ConversationAction, options: ConversationCommandOptions): Promise<ConversationNotice> {
    if (this.currentState === 'closed') return Promise.reject(new ConversationCommandError(ClientErrorCode.CLOSED, 'the client is closed', peer, action, true));
    if (!isValidUserId(peer) && !isValidGroupId(peer)) {
      return Promise.reject(new ConversationCommandError(RejectionCode.INVALID_TOPIC, `"${String(peer).slice(0, 80)}" is no user or group id`, peer, action, true));
    }
    const timeoutMs = options.timeoutMs ?? this.options.sendTimeoutMs;
    if (!isPositiveInteger(timeoutMs)) return Promise.reject(timeoutError(timeoutMs));
    const { layout, userId, qos } = this.options;
    const publish = { topic: action === 'archive' ? layout.archive(userId, peer) : layout.unarchive(userId, peer), body: '{}' };
    const online = this.currentState === 'connected';
    const answer = this.conversations.wait(peer, action, publish, online, timeoutMs);
    if (online) this.transport.publish(publish.topic, publish.body, qos);
    return answer;
  }

  private newCommandId(): string {
    return `${this.options.userId}-${(++this.commandSeq).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  }

  /** Disconnects; sends, group, presence and archive commands, edits and deletes still waiting fail with CLOSED. */
  async close(): Promise<void> {
    if (this.currentState === 'closed') return;
    this.setState('closed', undefined);
    this.shutDown(new ConnectError('the client was closed before it connected'));
    await this.transport.end();
  }

  /**
   * Every connection is a clean session: subscribe first, then (after a reconnect) publish again
   * every send still waiting for an answer. Its message may have been stored already, or its answer
   * published while this client was away; the engine stores a message once per client_message_id
   * and answers a repeat with the first message_id, so publishing again is safe. The engine forgets
   * the user's status and watch list when all their connections close, so the last of each goes
   * out again too (see PendingPresence).
   */
  private onConnect(): void {
    if (this.currentState === 'closed') return;
    const { layout, userId, qos } = this.options;
    // Only the topics the engine answers on: a subscription to the whole inbox (`{userId}/#`)
    // would also bring back every message this client publishes, as MQTT 3.1.1 has no no-local.
    const filters = [
      layout.clientAdded(userId, '+'),
      layout.clientRejected(userId, '+'),
      layout.groupResult(userId, '+'),
      layout.groupUpdated(userId, '+'),
      layout.groupDeleted(userId, '+'),
      layout.presenceResult(userId),
      layout.presenceUpdated(userId, '+'),
      layout.typingUpdated(userId, '+'),
      layout.receiptsUpdated(userId, '+'),
      layout.receiptsResult(userId, '+'),
      layout.conversationUpdated(userId, '+'),
      layout.conversationResult(userId, '+'),
      layout.messageResult(userId, '+', '+'),
      layout.messageUpdated(userId, '+', '+'),
      layout.messageDeleted(userId, '+', '+'),
    ];
    this.transport.subscribe(filters, qos, (error) => {
      if (this.currentState === 'closed') return;
      if (error) return this.onSubscribeFailed(error);
      if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      this.attempt = 0;
      this.lastError = undefined;
      const reconnected = this.currentState === 'reconnecting';
      this.setState('connected', undefined);
      if (reconnected) {
        for (const { topic, body } of this.pending.publishes()) this.transport.publish(topic, body, qos);
      }
      for (const { topic, body } of this.commands.takeUnpublished()) this.transport.publish(topic, body, qos);
      for (const { topic, body } of this.presence.takeUnpublished(reconnected)) this.transport.publish(topic, body, qos);
      this.receipts.connected(reconnected);
      for (const { topic, body } of this.conversations.takeUnpublished()) this.transport.publish(topic, body, qos);
      for (const { topic, body } of this.updates.takeUnpublished()) this.transport.publish(topic, body, qos);
      this.settleReady?.resolve();
      this.settleReady = null;
    });
  }

  private onSubscribeFailed(error: Error): void {
    const failure = new ConnectError(`could not subscribe: ${error.message}`);
    if (this.settleReady) {
      this.settleReady.reject(failure);
      this.settleReady = null;
      return;
    }
    // Connected but deaf: start over, as after a lost connection.
    this.lastError = failure;
    this.emit('state', this.currentState, failure);
    this.scheduleReconnect();
  }

  private onError(error: Error, returnCode: number | undefined): void {
    this.lastError = error;
    if (this.settleReady && returnCode !== undefined) {
      const hint = returnCode === 4 ? ' (the token is invalid or expired)' : returnCode === 5 ? ' (the token grants nothing usable)' : '';
      this.settleReady.reject(new ConnectError(`the broker refused the connection: ${error.message}${hint}`, returnCode));
      this.settleReady = null;
    }
  }

  private onClose(): void {
    if (this.currentState === 'closed') return;
    if (this.settleReady) {
      this.settleReady.reject(new ConnectError(`connection closed before it was ready${this.lastError ? `: ${this.lastError.message}` : ''}`));
      this.settleReady = null;
      return;
    }
    if (!this.options.reconnect) {
      this.setState('closed', this.lastError);
      this.shutDown(undefined);
      return;
    }
    this.setState('reconnecting', this.lastError);
    this.receipts.disconnected();
    this.commands.connectionLost(`connection lost before the answer${this.lastError ? `: ${this.lastError.message}` : ''}; the command may have been applied`);
    this.presence.connectionLost();
    this.conversations.connectionLost();
    this.updates.connectionLost();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.options.reconnect || this.reconnectTimer || this.fetchingToken || this.currentState === 'closed') return;
    const delay = reconnectDelay(++this.attempt, this.options.reconnect);
    this.reconnectTimer = setTimeout(() => void this.reconnectNow(), delay);
  }

  private async reconnectNow(): Promise<void> {
    this.reconnectTimer = null;
    const token = await this.freshToken();
    if (this.currentState === 'closed') return;
    // No attempt was made, so no close will come to schedule the next one.
    if (token === null) return this.scheduleReconnect();
    this.stats.reconnectAttempts++;
    this.transport.reconnect(token);
  }

  /** The token for the next attempt: from getToken when given; null when getToken failed. */
  private async freshToken(): Promise<string | null> {
    const { getToken } = this.options;
    if (!getToken) return this.token;
    this.fetchingToken = true;
    try {
      const token = await getToken();
      if (typeof token !== 'string' || !token) throw new Error('it returned no token');
      this.token = token;
      return token;
    } catch (err) {
      this.lastError = new Error(`getToken failed: ${err instanceof Error ? err.message : String(err)}`);
      this.emit('state', this.currentState, this.lastError);
      return null;
    } finally {
      this.fetchingToken = false;
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    const event: InboundEvent = routeInbound(this.options.layout, this.options.userId, topic, payload);
    switch (event.kind) {
      case 'message':
      case 'sent':
      case 'group-event': {
        const { message } = event;
        // Before the duplicate check: a retried send (same client_message_id) is answered with a
        // copy of the first one, which this client may have seen already.
        if (event.kind === 'sent' && message.client_message_id !== undefined) {
          this.pending.confirm(message.client_message_id, message.message_id);
        }
        // The two copies of a note to oneself share a message_id; the status tells them apart.
        if (!this.recent.add(`${message.message_id}/${message.status}`)) {
          this.stats.duplicates++;
          this.emit('duplicate', message);
          return;
        }
        if (event.kind === 'group-event') this.emit('groupEvent', event.message);
        else this.emit(event.kind, message);
        // After the listeners: a markRead of this message from one of them makes the delivered receipt needless.
        if (event.kind === 'message') this.deliveredOnArrival(message);
        return;
      }
      case 'rejected': {
        const { rejection } = event;
        if (rejection.clientMessageId !== undefined) {
          this.pending.reject(rejection.clientMessageId, rejection.code, rejection.reason, false);
        }
        this.emit('rejected', rejection);
        return;
      }
      case 'group-result':
        this.commands.answer(event.result);
        return;
      case 'group-updated':
        this.emit('groupUpdated', event.group);
        return;
      case 'group-deleted':
        this.emit('groupDeleted', event.notice);
        return;
      case 'presence-result':
        // One with no command waiting here (another device's, or a status or list sent again after a reconnect) settles nothing.
        this.presence.answer(event.result);
        return;
      case 'presence-updated':
        this.emit('presence', event.notice);
        return;
      case 'typing':
        this.emit('typing', event.notice, event.peer);
        return;
      case 'receipts-updated': {
        const { update } = event;
        if (update.user === this.options.userId) this.receipts.confirmed(update.peer, update);
        this.emit('receipts', update);
        return;
      }
      case 'receipts-result': {
        const { refusal } = event;
        this.receipts.refused(refusal.peer, refusal.receipt, refusal.messageId, refusal.code === RejectionCode.RATE_LIMITED);
        this.emit('receiptRefused', refusal);
        return;
      }
      case 'conversation-updated':
        this.conversations.notice(event.notice);
        this.emit('conversationUpdated', event.notice);
        return;
      case 'conversation-result':
        // One with no command waiting here (another device's) settles nothing.
        this.conversations.refused(event.peer, event.result);
        return;
      case 'message-result':
        // One with no update waiting here (another device's) settles nothing.
        this.updates.answer(event.result);
        return;
      case 'message-edited':
        this.emit('messageEdited', event.notice);
        return;
      case 'message-deleted':
        this.emit('messageDeleted', event.notice);
        return;
      case 'ignored':
        if (event.why === 'echo') this.stats.echoes++;
        else if (event.why === 'malformed') this.stats.malformed++;
        return;
    }
  }

  /**
   * The automatic `delivered` receipt of a message from another user or member. Not for a group's
   * replayed history (`history: true`): those are older than the member's first live message, whose
   * receipt covers them, and a new member would otherwise report messages from before they joined.
   */
  private deliveredOnArrival(message: DeliveredMessage): void {
    if (!this.options.autoDelivered || message.history === true || !isMessageId(message.message_id)) return;
    const peer = message.channel_type === 'group' ? message.recipient : message.sender;
    this.receipts.add(peer, 'delivered', message.message_id);
  }

  private shutDown(readyError: Error | undefined): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.typingThrottle.clear();
    if (this.settleReady && readyError) this.settleReady.reject(readyError);
    this.settleReady = null;
    const reason = this.lastError ? `connection lost: ${this.lastError.message}` : 'the client was closed';
    this.pending.rejectAll(ClientErrorCode.CLOSED, reason);
    this.commands.rejectAll(ClientErrorCode.CLOSED, reason);
    this.presence.rejectAll(ClientErrorCode.CLOSED, reason);
    this.receipts.close(reason);
    this.conversations.rejectAll(ClientErrorCode.CLOSED, reason);
    this.updates.rejectAll(ClientErrorCode.CLOSED, reason);
  }

  private setState(state: ConnectionState, error: Error | undefined): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.emit('state', state, error);
  }
}

function isPositiveInteger(n: number): boolean {
  return Number.isInteger(n) && n > 0;
}

function timeoutError(timeoutMs: number): TypeError {
  return new TypeError(`timeoutMs must be a positive integer, got ${timeoutMs}`);
}

/** The group after a command that leaves one (the inbox router lets no such result through without it). */
function stateOf(result: GroupResult): GroupNotice {
  if (!result.group) throw new Error(`the engine's result of ${String(result.action)} carried no group`);
  return result.group;
}

/** Connects a chat client (see ChatClient). */
export function connect(options: ChatClientOptions): Promise<ChatClient> {
  return ChatClient.connect(options);
}
