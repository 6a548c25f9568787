import { PresenceStatus, ShownStatus } from '@app/protocol';
import { ConnectionEvent } from '../connections/connection-event';
import { ConnectionRegistry, IdentifiedConnection, isMqttKind, LiveConnection } from '../connections/connection-registry';
import { ruleBroken } from '../connections/connection-rules';

/** What a user set (until changed or until all their connections close) and when they were last seen. */
export interface UserPresence {
  status?: PresenceStatus;
  text?: string;
  lastSeenAt?: number;
}

/** What applying events and commands asks the caller to do. Collected over a batch. */
export class Effects {
  /** Users whose presence may look different to their watchers now. */
  readonly changed = new Set<string>();
  /** Connections to close, with the reason the broker is given. */
  readonly close: Array<{ connection: IdentifiedConnection; reason: string }> = [];
  /** Identified connections to store, and names of stored ones to forget. */
  readonly added = new Map<string, IdentifiedConnection>();
  readonly removed = new Set<string>();
  /** Users whose stored presence (status, text, last seen) and watch list changed. */
  readonly presenceDirty = new Set<string>();
  readonly watchesDirty = new Set<string>();
  /**
   * Users gone offline (or whose settings lapsed): their stored presence (last seen, no status) and,
   * when `true`, their watch list (dropped) may be written behind, without holding the events' acks.
   * A crash may lose these writes: restore makes up for it (statuses and watch lists of users who are
   * not online are dropped), and only a last-seen time can be lost.
   */
  readonly lazy = new Map<string, boolean>();
  /** Run once all of the above is stored (answers that must not run ahead of the stored state). */
  readonly afterStore: Array<() => void> = [];

  get empty(): boolean {
    return this.changed.size + this.close.length + this.added.size + this.removed.size + this.presenceDirty.size + this.watchesDirty.size + this.lazy.size + this.afterStore.length === 0;
  }
}

export interface PresenceLimits {
  /** Most counted connections per user; beyond, the oldest is closed (0: no limit). */
  maxConnectionsPerUser: number;
  /** How long a user whose last connection closed stays online while a takeover of its client id is being identified. */
  takeoverGraceMs: number;
  /** How long after it opened a connection may still be missing from the broker's listing (its statistics lag). */
  listingLagMs: number;
}

/** How long a closed connection's name is remembered, so a late listing or a repeated event does not bring it back. */
const TOMBSTONE_MS = 60_000;

/**
 * A client's status or watch list may reach the engine a moment before the events of the
 * connection it came on: one set by a user who is not online is kept this long for them to show up.
 */
export const OFFLINE_SETTING_GRACE_MS = 10_000;

/**
 * Who is online, from the broker's connection events, and what each user set; the watch lists.
 * Held by the one instance that applies the broker's events (docs/presence.md); pure: no I/O, the
 * clock is passed in. A user is online while at least one of their MQTT or Web-MQTT connections
 * that keeps the client id rule lives. Connections are counted by name, so a client-id takeover
 * (the new connection opens ~1 ms before the old one closes) never shows a flap; when the old one's
 * closed event comes before the new one is identified, the offline is held back until it is (or
 * for takeoverGraceMs).
 */
export class PresenceModel {
  readonly connections = new ConnectionRegistry();
  private readonly counted = new Map<string, Set<string>>();
  private readonly presence = new Map<string, UserPresence>();
  private readonly watching = new Map<string, Set<string>>();
  private readonly watchers = new Map<string, Set<string>>();
  private readonly heldOffline = new Map<string, number>();
  private readonly tombstones = new Map<string, number>();
  /** Connections opened and not identified yet, by client id: a takeover in progress is one of them. */
  private readonly unidentified = new Map<string, string>();
  /** Users not online who set a status or a watch list, and when. */
  private readonly settingsOffline = new Map<string, number>();

  constructor(private readonly limits: PresenceLimits) {}

  /**
   * Starts from what was stored: connections counted (no rule re-checked, nobody told), last-seen
   * times, and the statuses and watch lists of users who are online (those of offline users are
   * leftovers of writes made behind and lost, and are dropped).
   */
  restore(connections: IdentifiedConnection[], presence: Map<string, UserPresence>, watches: Map<string, string[]>): void {
    for (const c of connections) {
      this.connections.merge(c);
      if (counts(c)) this.countedOf(c.user).add(c.name);
    }
    for (const [user, p] of presence) this.presence.set(user, this.isOnline(user) ? { ...p } : p.lastSeenAt === undefined ? {} : { lastSeenAt: p.lastSeenAt });
    for (const [watcher, users] of watches) if (this.isOnline(watcher)) this.setWatch(watcher, users);
  }

  apply(event: ConnectionEvent, now: number, fx: Effects): void {
    if (event.type === 'connection.closed') {
      this.closed(event.name, now, fx);
      return;
    }
    if (this.tombstones.has(event.name)) return; // an event of a connection already closed, applied again
    const identified = this.connections.apply(event);
    if (identified) this.identified(identified, now, fx);
    else if (event.type === 'connection.created' && event.clientId && !this.connections.get(event.name)?.user) this.unidentified.set(event.clientId, event.name);
  }

  /**
   * Brings the view in line with the broker's listing (taken at `listedAt`): adds what is listed and
   * unknown, and closes what is known but not listed, unless it may be too new to be listed yet.
   */
  reconcile(listed: LiveConnection[], listedAt: number, now: number, fx: Effects): void {
    const names = new Set<string>();
    for (const c of listed) {
      names.add(c.name);
      if (this.tombstones.has(c.name)) continue;
      const identified = this.connections.merge(c);
      if (identified) this.identified(identified, now, fx);
    }
    const stale = [...this.connections.all()].filter((c) => !names.has(c.name) && (c.connectedAt ?? 0) < listedAt - this.limits.listingLagMs);
    for (const c of stale) this.closed(c.name, now, fx);
  }

  /** Ends held-back offlines whose grace is over; drops settings of users who did not show up; forgets old tombstones. */
  tick(now: number, fx: Effects): void {
    for (const [user, until] of this.heldOffline) if (until <= now) this.wentOffline(user, now, fx);
    for (const [user, at] of this.settingsOffline) {
      if (at > now - OFFLINE_SETTING_GRACE_MS) continue;
      this.settingsOffline.delete(user);
      if (!this.isOnline(user)) this.dropSettings(user, this.presence.get(user)?.lastSeenAt, fx);
    }
    for (const [name, at] of this.tombstones) {
      if (at > now - TOMBSTONE_MS) break; // in insertion order: the rest are newer
      this.tombstones.delete(name);
    }
  }

  /** Sets a user's status (kept OFFLINE_SETTING_GRACE_MS for a user not online yet). */
  setStatus(user: string, status: PresenceStatus, text: string | undefined, now: number, fx: Effects): void {
    const p = this.presence.get(user) ?? {};
    this.presence.set(user, { ...p, status, text });
    fx.presenceDirty.add(user);
    fx.changed.add(user);
    this.noteOfflineSetting(user, now);
  }

  /** Replaces a watcher's list (kept OFFLINE_SETTING_GRACE_MS for a watcher not online yet). */
  watch(watcher: string, users: string[], now: number, fx: Effects): void {
    this.setWatch(watcher, users);
    fx.watchesDirty.add(watcher);
    this.noteOfflineSetting(watcher, now);
  }

  isOnline(user: string): boolean {
    return this.counted.has(user) || this.heldOffline.has(user);
  }

  /** The status others see, before blocks: a set status while online (`invisible` as offline), else offline. */
  shown(user: string): ShownStatus {
    if (!this.isOnline(user)) return 'offline';
    const status = this.presence.get(user)?.status ?? 'online';
    return status === 'invisible' ? 'offline' : status;
  }

  presenceOf(user: string): UserPresence | undefined {
    return this.presence.get(user);
  }

  watchersOf(user: string): ReadonlySet<string> {
    return this.watchers.get(user) ?? EMPTY;
  }

  watchedBy(watcher: string): ReadonlySet<string> {
    return this.watching.get(watcher) ?? EMPTY;
  }

  connectionCount(user: string): number {
    return this.counted.get(user)?.size ?? 0;
  }

  get onlineUsers(): number {
    return this.counted.size + this.heldOffline.size;
  }

  connectionsByProtocol(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const c of this.connections.all()) if (c.user !== undefined && c.protocol) counts.set(c.protocol, (counts.get(c.protocol) ?? 0) + 1);
    return counts;
  }

  private identified(c: IdentifiedConnection, now: number, fx: Effects): void {
    this.forgetUnidentified(c);
    fx.added.set(c.name, c);
    fx.removed.delete(c.name);
    if (!isMqttKind(c)) return;
    const broken = ruleBroken(c);
    if (broken) {
      fx.close.push({ connection: c, reason: broken });
      return;
    }
    const wasOnline = this.isOnline(c.user);
    const names = this.countedOf(c.user);
    names.add(c.name);
    this.heldOffline.delete(c.user);
    this.settingsOffline.delete(c.user);
    if (!wasOnline) fx.changed.add(c.user);
    const max = this.limits.maxConnectionsPerUser;
    if (max > 0 && names.size > max) {
      const oldest = [...names]
        .map((name) => this.connections.get(name) as IdentifiedConnection)
        .sort((a, b) => (a.connectedAt ?? now) - (b.connectedAt ?? now))[0];
      fx.close.push({ connection: oldest, reason: `more than ${max} connections (MAX_CONNECTIONS_PER_USER): the oldest is closed` });
    }
  }

  private closed(name: string, now: number, fx: Effects): void {
    const known = this.connections.remove(name);
    this.tombstones.delete(name);
    this.tombstones.set(name, now);
    if (known) this.forgetUnidentified(known);
    if (!known?.user) return;
    if (fx.added.delete(name) === false) fx.removed.add(name);
    const names = this.counted.get(known.user);
    if (!names?.delete(name) || names.size > 0) return;
    this.counted.delete(known.user);
    if (this.takeoverPending(known)) this.heldOffline.set(known.user, now + this.limits.takeoverGraceMs);
    else this.wentOffline(known.user, now, fx);
  }

  /** A connection with the closed one's client id has opened and is not identified yet: a takeover. */
  private takeoverPending(closed: LiveConnection): boolean {
    return Boolean(closed.clientId) && this.unidentified.has(closed.clientId!);
  }

  private forgetUnidentified(c: LiveConnection): void {
    if (c.clientId && this.unidentified.get(c.clientId) === c.name) this.unidentified.delete(c.clientId);
  }

  private wentOffline(user: string, now: number, fx: Effects): void {
    this.heldOffline.delete(user);
    fx.changed.add(user);
    this.dropSettings(user, now, fx);
  }

  /** A set status and a watch list last until all the user's connections close. */
  private dropSettings(user: string, lastSeenAt: number | undefined, fx: Effects): void {
    this.presence.set(user, lastSeenAt === undefined ? {} : { lastSeenAt });
    const watched = this.watching.has(user);
    if (watched) this.setWatch(user, []);
    fx.lazy.set(user, watched || (fx.lazy.get(user) ?? false));
  }

  private noteOfflineSetting(user: string, now: number): void {
    if (this.isOnline(user)) return;
    this.settingsOffline.delete(user);
    this.settingsOffline.set(user, now);
  }

  private setWatch(watcher: string, users: string[]): void {
    for (const user of this.watching.get(watcher) ?? []) {
      const set = this.watchers.get(user);
      set?.delete(watcher);
      if (set?.size === 0) this.watchers.delete(user);
    }
    if (users.length === 0) {
      this.watching.delete(watcher);
      return;
    }
    this.watching.set(watcher, new Set(users));
    for (const user of users) {
      let set = this.watchers.get(user);
      if (!set) this.watchers.set(user, (set = new Set()));
      set.add(watcher);
    }
  }

  private countedOf(user: string): Set<string> {
    let names = this.counted.get(user);
    if (!names) this.counted.set(user, (names = new Set()));
    return names;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function counts(c: IdentifiedConnection): boolean {
  return isMqttKind(c) && ruleBroken(c) === null;
}
