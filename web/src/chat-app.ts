import { ChatClient, DeliveredMessage, GroupEvent, GroupNotice, GroupSystemMessage, isValidGroupId, ReceiptUpdate } from '@app/client';
import { isValidUserId, USER_ID_RULE } from '@app/protocol';
import { UserApi } from './api';
import { $, h, time } from './dom';
import { readable } from './errors';

type Tick = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

interface Line {
  id: string;
  clientId?: string;
  sender: string;
  text: string;
  timestamp: number;
  tick?: Tick;
  system?: boolean;
  error?: string;
}

interface Summary {
  peer: string;
  text: string;
  at: number;
  lastId: string;
  unread: number;
}

interface OpenConversation {
  peer: string;
  lines: Line[];
  cursor: string | null;
  loaded: boolean;
  loading: boolean;
}

/** What the page shows of a group: from the SDK's notices, or the user API's list. */
type GroupView = Pick<GroupNotice, 'group_id' | 'name' | 'member_count'> & { members?: Array<{ user_id: string }> };

const TYPING_SHOWN_MS = 6000;

/** Who wrote a group event, in a sentence. */
function describeEvent(m: GroupSystemMessage): string {
  const a = m.attributes;
  const who = a.member_id ?? a.members?.join(', ') ?? '';
  switch (a.event) {
    case GroupEvent.GROUP_CREATED:
      return `${a.by} created the group${who ? ` with ${who}` : ''}`;
    case GroupEvent.MEMBER_JOINED:
      return `${who} joined (added by ${a.by})`;
    case GroupEvent.MEMBER_LEFT:
      return `${who} left`;
    case GroupEvent.MEMBER_REMOVED:
      return `${who} was removed by ${a.by}`;
    default:
      return m.text || String(a.event);
  }
}

/**
 * The signed-in screen: conversations on the left, the open one on the right. Live state comes
 * from the SDK's events; lists and history from the user API, read again after a reconnect (the
 * broker keeps nothing for a clean session while it is away).
 */
export class ChatApp {
  private readonly summaries = new Map<string, Summary>();
  private readonly groups = new Map<string, GroupView>();
  private readonly presence = new Map<string, string>();
  private readonly blocked = new Set<string>();
  /** peer -> users typing there, each with the timer that hides them. */
  private readonly typing = new Map<string, Map<string, ReturnType<typeof setTimeout>>>();
  /** A direct peer's positions, for the ticks on my messages. */
  private readonly peerPositions = new Map<string, { delivered?: string; read?: string }>();
  private open: OpenConversation | null = null;
  private watched = '';
  private readonly root: HTMLElement;

  constructor(
    container: HTMLElement,
    private readonly chat: ChatClient,
    private readonly api: UserApi,
    private readonly signOut: () => void,
  ) {
    this.root = this.layout();
    container.replaceChildren(this.root);
    chat.on('message', (m) => this.arrived(m, false));
    chat.on('sent', (m) => this.arrived(m, true));
    chat.on('groupEvent', (m) => this.groupEvent(m));
    chat.on('groupUpdated', (g) => this.groupUpdated(g));
    chat.on('groupDeleted', (n) => this.forget(n.group_id));
    chat.on('receipts', (r) => this.receipts(r));
    chat.on('typing', (n, peer) => this.typingChanged(peer, n.user, n.state === 'typing'));
    chat.on('presence', (p) => {
      this.presence.set(p.user, p.status);
      this.render();
    });
    chat.on('state', (state, error) => {
      const label = $(this.root, '[data-testid=connection]');
      label.textContent = state === 'reconnecting' && error ? `reconnecting (${error.message})` : state;
      label.dataset.state = state;
      if (state === 'connected') void this.sync();
    });
    void this.sync();
  }

  /** Lists and the open history, from the user API (at start and after every reconnect). */
  private async sync(): Promise<void> {
    try {
      const [conversations, groups, blocks] = await Promise.all([this.api.conversations(), this.api.groups(), this.api.blocks()]);
      for (const g of groups.items) this.groups.set(g.group_id, { ...g, member_count: g.members.length });
      this.blocked.clear();
      for (const b of blocks.items) this.blocked.add(b.blocked);
      for (const c of conversations.items) {
        if (c.archived) continue;
        const m = c.last_message;
        this.summaries.set(c.peer, { peer: c.peer, text: m.deleted_at ? 'deleted' : m.text, at: m.timestamp, lastId: m.message_id, unread: c.unread_count });
      }
      if (this.open) await this.openConversation(this.open.peer);
    } catch (err) {
      this.error(`could not load your conversations: ${readable(err)}`);
    }
    this.render();
  }

  // --- events --------------------------------------------------------------------------------

  private arrived(m: DeliveredMessage, mine: boolean): void {
    const peer = m.channel_type === 'group' || mine ? m.recipient : m.sender;
    const isOpen = this.open?.peer === peer;
    const previous = this.summaries.get(peer);
    const unread = (previous?.unread ?? 0) + (!mine && !m.history && !isOpen ? 1 : 0);
    this.summaries.set(peer, { peer, text: m.text, at: m.timestamp, lastId: m.message_id, unread });
    this.typingChanged(peer, m.sender, false);
    if (isOpen && this.open) {
      const line: Line = { id: m.message_id, sender: m.sender, text: m.text, timestamp: m.timestamp, tick: mine ? 'sent' : undefined };
      const pending = this.open.lines.findIndex((l) => l.clientId && l.clientId === m.client_message_id);
      if (pending >= 0) this.open.lines[pending] = line;
      else if (!this.open.lines.some((l) => l.id === m.message_id)) this.open.lines.push(line);
      this.applyTicks(peer);
      if (!mine) void this.chat.markRead(peer, m.message_id).catch(() => undefined);
    }
    this.render();
  }

  private groupEvent(m: GroupSystemMessage): void {
    if (this.open?.peer === m.recipient) {
      this.open.lines.push({ id: m.message_id, sender: m.sender, text: describeEvent(m), timestamp: m.timestamp, system: true });
      void this.chat.markRead(m.recipient, m.message_id).catch(() => undefined);
    }
    if (!this.summaries.has(m.recipient)) this.summaries.set(m.recipient, { peer: m.recipient, text: describeEvent(m), at: m.timestamp, lastId: m.message_id, unread: 0 });
    this.render();
  }

  private groupUpdated(g: GroupNotice): void {
    if (g.members && !g.members.some((member) => member.user_id === this.chat.userId)) return this.forget(g.group_id);
    this.groups.set(g.group_id, g);
    this.render();
  }

  private forget(peer: string): void {
    this.groups.delete(peer);
    this.summaries.delete(peer);
    if (this.open?.peer === peer) this.open = null;
    this.render();
  }

  private receipts(r: ReceiptUpdate): void {
    if (r.user === this.chat.userId) {
      // My own position, from any of my devices: what it covers is read.
      const summary = this.summaries.get(r.peer);
      if (summary && r.read_up_to && r.read_up_to >= summary.lastId) summary.unread = 0;
    } else if (r.user === r.peer) {
      const known = this.peerPositions.get(r.peer) ?? {};
      this.peerPositions.set(r.peer, { delivered: r.delivered_up_to ?? known.delivered, read: r.read_up_to ?? known.read });
      this.applyTicks(r.peer);
    }
    this.render();
  }

  /** Message ids sort by time, so a position covers every id at or below it. */
  private applyTicks(peer: string): void {
    const at = this.peerPositions.get(peer);
    if (!at || this.open?.peer !== peer) return;
    for (const line of this.open.lines) {
      if (line.sender !== this.chat.userId || !line.tick || line.tick === 'pending' || line.tick === 'failed') continue;
      if (at.read && line.id <= at.read) line.tick = 'read';
      else if (at.delivered && line.id <= at.delivered && line.tick === 'sent') line.tick = 'delivered';
    }
  }

  private typingChanged(peer: string, user: string, typing: boolean): void {
    const users = this.typing.get(peer) ?? new Map<string, ReturnType<typeof setTimeout>>();
    clearTimeout(users.get(user));
    if (typing) users.set(user, setTimeout(() => this.typingChanged(peer, user, false), TYPING_SHOWN_MS));
    else if (!users.delete(user)) return;
    this.typing.set(peer, users);
    this.render();
  }

  // --- actions -------------------------------------------------------------------------------

  private async openConversation(peer: string): Promise<void> {
    const conversation: OpenConversation = { peer, lines: [], cursor: null, loaded: false, loading: false };
    this.open = conversation;
    const summary = this.summaries.get(peer);
    if (summary) summary.unread = 0;
    this.render();
    await this.loadOlder();
    const last = [...conversation.lines].reverse().find((l) => l.sender !== this.chat.userId && !l.system);
    if (last && this.open === conversation) void this.chat.markRead(peer, last.id).catch(() => undefined);
    this.scrollToEnd();
  }

  /** One more page of history, older than what is shown (infinite scroll upwards). */
  private async loadOlder(): Promise<void> {
    const conversation = this.open;
    if (!conversation || conversation.loading || (conversation.loaded && !conversation.cursor)) return;
    conversation.loading = true;
    try {
      const page = await this.api.messages(conversation.peer, conversation.cursor);
      const known = new Set(conversation.lines.map((l) => l.id));
      const older: Line[] = page.items
        .filter((m) => !known.has(m.message_id))
        .reverse()
        .map((m) => ({
          id: m.message_id,
          sender: m.sender,
          text: m.deleted_at ? 'this message was deleted' : m.text,
          timestamp: m.timestamp,
          system: m.type === 'system',
          tick: m.sender === this.chat.userId ? (m.receipt ?? 'sent') : undefined,
        }));
      conversation.lines.unshift(...older);
      conversation.cursor = page.next_cursor;
      conversation.loaded = true;
    } catch (err) {
      this.error(`could not load the history: ${readable(err)}`);
    } finally {
      conversation.loading = false;
    }
    if (this.open === conversation) this.keepScrollWhile(() => this.render());
  }

  private async send(text: string): Promise<void> {
    const conversation = this.open;
    if (!conversation || !text.trim()) return;
    const clientId = crypto.randomUUID();
    const line: Line = { id: `pending:${clientId}`, clientId, sender: this.chat.userId, text, timestamp: Date.now(), tick: 'pending' };
    conversation.lines.push(line);
    this.render();
    this.scrollToEnd();
    // A message ends the typing; the next key press says "typing" again at once.
    this.chat.typing(conversation.peer, 'paused');
    try {
      await this.chat.send(conversation.peer, text, { clientMessageId: clientId });
    } catch (err) {
      line.tick = 'failed';
      line.error = readable(err);
      this.error(`not sent to ${conversation.peer}: ${line.error}`);
      this.render();
    }
  }

  private async act(what: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (err) {
      this.error(`${what}: ${readable(err)}`);
    }
    this.render();
  }

  private startChat(peer: string): void {
    if (!isValidUserId(peer) && !isValidGroupId(peer)) return this.error(`"${peer}" is not a user id: ${USER_ID_RULE}`);
    void this.openConversation(peer);
  }

  private createGroup(name: string, members: string[]): Promise<void> {
    return this.act('could not create the group', async () => {
      const group = await this.chat.createGroup(name, { members });
      this.groups.set(group.group_id, group);
      this.summaries.set(group.group_id, { peer: group.group_id, text: 'group created', at: group.created_at, lastId: '', unread: 0 });
      await this.openConversation(group.group_id);
    });
  }

  private toggleBlock(peer: string): Promise<void> {
    const blocking = !this.blocked.has(peer);
    return this.act(blocking ? `could not block ${peer}` : `could not unblock ${peer}`, async () => {
      await (blocking ? this.api.block(peer) : this.api.unblock(peer));
      if (blocking) this.blocked.add(peer);
      else this.blocked.delete(peer);
    });
  }

  private errorTimer: ReturnType<typeof setTimeout> | undefined;

  /** Shown until clicked, or for ten seconds. */
  private error(text: string): void {
    const box = $(this.root, '[data-testid=error]');
    box.textContent = text;
    box.hidden = false;
    clearTimeout(this.errorTimer);
    this.errorTimer = setTimeout(() => (box.hidden = true), 10_000);
  }

  // --- rendering -----------------------------------------------------------------------------

  private layout(): HTMLElement {
    const field = (name: string, placeholder: string) => h('input', { name, placeholder, autocomplete: 'off', required: true });
    const newChat = h('form', { 'data-testid': 'new-chat' }, field('peer', 'user id'), h('button', {}, 'Chat'));
    newChat.addEventListener('submit', (e) => {
      e.preventDefault();
      this.startChat(String(new FormData(newChat).get('peer')).trim());
      newChat.reset();
    });
    const newGroup = h('form', { 'data-testid': 'new-group' }, field('name', 'group name'), h('input', { name: 'members', placeholder: 'members: bob, carol', autocomplete: 'off' }), h('button', {}, 'Create group'));
    newGroup.addEventListener('submit', (e) => {
      e.preventDefault();
      const data = new FormData(newGroup);
      const members = String(data.get('members')).split(/[\s,]+/).filter(Boolean);
      void this.createGroup(String(data.get('name')), members);
      newGroup.reset();
    });
    const composer = h('form', { class: 'composer', 'data-testid': 'composer' }, h('input', { name: 'text', placeholder: 'Write a message', autocomplete: 'off' }), h('button', {}, 'Send'));
    const input = $<HTMLInputElement>(composer, 'input');
    input.addEventListener('input', () => this.open && this.chat.typing(this.open.peer, input.value ? 'typing' : 'paused'));
    input.addEventListener('blur', () => this.open && this.chat.typing(this.open.peer, 'paused'));
    composer.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.send(input.value);
      input.value = '';
    });
    const messages = h('div', { class: 'messages', 'data-testid': 'messages' });
    messages.addEventListener('scroll', () => messages.scrollTop < 40 && void this.loadOlder());
    const error = h('div', { class: 'error', 'data-testid': 'error', hidden: true, title: 'click to close' });
    error.addEventListener('click', () => (error.hidden = true));
    return h(
      'div',
      { class: 'app' },
      h(
        'header',
        {},
        h('b', {}, 'messaging-engine'),
        h('span', { 'data-testid': 'me' }, this.chat.userId),
        h('span', { class: 'connection', 'data-testid': 'connection', 'data-state': this.chat.state }, this.chat.state),
        h('button', { onclick: () => this.signOut() }, 'Sign out'),
      ),
      h('aside', {}, newChat, newGroup, h('ul', { class: 'conversations', 'data-testid': 'conversations' })),
      h('main', {}, h('div', { class: 'peer-bar', 'data-testid': 'peer-bar' }), messages, h('div', { class: 'typing', 'data-testid': 'typing' }), composer),
      error,
    );
  }

  private title(peer: string): string {
    return isValidGroupId(peer) ? `# ${this.groups.get(peer)?.name ?? peer}` : peer;
  }

  private dot(peer: string): HTMLElement | null {
    if (isValidGroupId(peer)) return null;
    const status = this.presence.get(peer) ?? 'offline';
    return h('span', { class: `dot ${status}`, 'data-testid': 'presence', 'data-status': status, title: status });
  }

  private render(): void {
    this.watchPresence();
    const list = $(this.root, '[data-testid=conversations]');
    const rows = [...this.summaries.values()].sort((a, b) => b.at - a.at);
    list.replaceChildren(
      ...rows.map((s) =>
        h(
          'li',
          { 'data-peer': s.peer, class: s.peer === this.open?.peer ? 'current' : '', onclick: () => void this.openConversation(s.peer) },
          this.dot(s.peer),
          h('span', { class: 'name' }, this.title(s.peer)),
          s.unread > 0 && h('span', { class: 'badge', 'data-testid': 'unread' }, String(s.unread)),
          h('small', {}, this.typing.get(s.peer)?.size ? 'typing…' : s.text),
        ),
      ),
    );
    const main = $(this.root, 'main');
    main.hidden = !this.open;
    if (!this.open) return;
    const { peer, lines } = this.open;
    this.renderPeerBar(peer);
    const box = $(this.root, '[data-testid=messages]');
    const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    box.replaceChildren(
      ...lines.map((l) =>
        h(
          'div',
          { class: `line ${l.system ? 'system' : l.sender === this.chat.userId ? 'mine' : 'theirs'}`, 'data-id': l.id },
          isValidGroupId(peer) && !l.system && l.sender !== this.chat.userId && h('small', { class: 'sender' }, l.sender),
          h('span', { class: 'text' }, l.text),
          h('small', { class: 'time' }, time(l.timestamp)),
          l.tick && h('span', { class: `tick ${l.tick}`, 'data-testid': 'tick', 'data-tick': l.tick, title: l.error ?? l.tick }, l.tick === 'failed' ? '!' : l.tick === 'pending' ? '…' : l.tick === 'sent' ? '✓' : '✓✓'),
        ),
      ),
    );
    if (atEnd) box.scrollTop = box.scrollHeight;
    const typing = [...(this.typing.get(peer)?.keys() ?? [])];
    $(this.root, '[data-testid=typing]').textContent = typing.length ? `${typing.join(', ')} ${typing.length > 1 ? 'are' : 'is'} typing…` : '';
  }

  /**
   * The open conversation's bar. Its forms are made once per conversation and only their labels
   * updated after, so that what is typed in them survives the events that re-render the page.
   */
  private renderPeerBar(peer: string): void {
    const bar = $(this.root, '[data-testid=peer-bar]');
    if (bar.dataset.peer !== peer) {
      bar.dataset.peer = peer;
      bar.replaceChildren(h('span', { class: 'presence-slot' }), h('b', {}), ...this.peerActions(peer));
    }
    $(bar, '.presence-slot').replaceChildren(this.dot(peer) ?? '');
    $(bar, 'b').textContent = this.title(peer);
    const group = this.groups.get(peer);
    const members = bar.querySelector('[data-testid=members]');
    if (members) members.textContent = group?.members?.map((m) => m.user_id).join(', ') ?? `${group?.member_count ?? '?'} members`;
    const block = bar.querySelector('[data-testid=block]');
    if (block) block.textContent = this.blocked.has(peer) ? 'Unblock' : 'Block';
  }

  private peerActions(peer: string): HTMLElement[] {
    if (!isValidGroupId(peer)) return [h('button', { 'data-testid': 'block', onclick: () => void this.toggleBlock(peer) })];
    const add = h('form', { class: 'inline', 'data-testid': 'add-member' }, h('input', { name: 'member', placeholder: 'add member', required: true }), h('button', {}, 'Add'));
    add.addEventListener('submit', (e) => {
      e.preventDefault();
      const member = String(new FormData(add).get('member')).trim();
      add.reset();
      void this.act(`could not add ${member}`, async () => this.groupUpdated(await this.chat.addMembers(peer, [member])));
    });
    const leave = h('button', { 'data-testid': 'leave', onclick: () => void this.act('could not leave the group', async () => (await this.chat.leaveGroup(peer), this.forget(peer))) }, 'Leave');
    return [h('small', { class: 'members', 'data-testid': 'members' }), add, leave];
  }

  /** Watch the presence of everyone I talk with directly (the engine sends each one's state, then changes). */
  private watchPresence(): void {
    const users = [...new Set([...this.summaries.keys(), this.open?.peer ?? ''])].filter((p) => isValidUserId(p)).sort();
    const key = users.join(',');
    if (key === this.watched) return;
    this.watched = key;
    void this.chat.watch(users).catch((err) => this.error(`presence: ${readable(err)}`));
  }

  private scrollToEnd(): void {
    const box = $(this.root, '[data-testid=messages]');
    box.scrollTop = box.scrollHeight;
  }

  /** Re-renders without moving what the reader sees (older lines added above, or new ones below while at the end). */
  private keepScrollWhile(change: () => void): void {
    const box = $(this.root, '[data-testid=messages]');
    const fromBottom = box.scrollHeight - box.scrollTop;
    change();
    box.scrollTop = box.scrollHeight - fromBottom;
  }
}
