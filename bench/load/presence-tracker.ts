import { percentiles, Percentiles } from '../measure/stats';

/** A status as a watcher sees it on `clientupdated` (libs/protocol's ShownStatus). */
export type SeenStatus = 'online' | 'away' | 'busy' | 'offline';

export interface PresenceCounts {
  /** Held users watched. */
  users: number;
  /** Users whose state came after the watch was accepted (the engine's snapshot), before any of them connected. */
  snapshotSeen: number;
  /** Users whose connection was answered with CONNACK. */
  connected: number;
  /** Connected users seen online (or away / busy). */
  seenOnline: number;
  /** Users seen online whose attempt never got its CONNACK (the client gave up; the broker connected it). */
  onlineWithoutConnack: number;
  /** Users whose connection was closed cleanly (DISCONNECT sent). */
  closed: number;
  /** Closed users seen offline after their close. */
  seenOffline: number;
  /** Connected users never seen online. */
  neverOnline: number;
  /** Closed users never seen offline after their close. */
  neverOffline: number;
  /** Users seen offline while held (after online, before their close), or online again after offline. */
  flapping: number;
  /** Users with at least one of the three faults above: the scenario's presence errors. */
  errors: number;
  /** Notices for users no watcher watches, or not of a known status (ignored). */
  stray: number;
}

export interface PresenceSummary {
  counts: PresenceCounts;
  /** Per user: CONNACK -> first online notice at a watcher, ms (negative when the notice came first). */
  onlineLatency: Percentiles | null;
  /** Per user: clean disconnect (DISCONNECT sent) -> first offline notice after it, ms. */
  offlineLatency: Percentiles | null;
  /** The last online first-seen minus the last CONNACK, ms; null unless every connected user was seen online. */
  allOnlineAfterLastConnackMs: number | null;
  /** The last offline seen minus the last close, ms; null unless every closed user was seen offline. */
  allOfflineAfterLastCloseMs: number | null;
  lastConnackAt: number | null;
  lastCloseAt: number | null;
}

/**
 * What the watchers see of the held users, per user index in typed arrays (no per-user objects):
 * the snapshot after the watch, when its connection was answered (CONNACK) and first seen online,
 * when it was closed and first seen offline after that, and how often it flapped. Times are
 * performance.now() values of this process.
 */
export class PresenceTracker {
  private readonly snapshot: Uint8Array;
  private readonly connackAt: Float64Array;
  private readonly onlineAt: Float64Array;
  private readonly closedAt: Float64Array;
  private readonly offlineAt: Float64Array;
  private readonly flaps: Uint32Array;
  private stray = 0;
  private snapshotCount = 0;
  private onlineCount = 0;
  private onlineConnectedCount = 0;
  private offlineCount = 0;

  constructor(readonly users: number) {
    this.snapshot = new Uint8Array(users);
    this.connackAt = new Float64Array(users);
    this.onlineAt = new Float64Array(users);
    this.closedAt = new Float64Array(users);
    this.offlineAt = new Float64Array(users);
    this.flaps = new Uint32Array(users);
  }

  /** Users whose snapshot state has come. */
  get snapshotSeen(): number {
    return this.snapshotCount;
  }

  /** Users seen online so far. */
  get seenOnline(): number {
    return this.onlineCount;
  }

  /**
   * Users answered with CONNACK and seen online (in either order). A user whose attempt timed
   * out at the client may still have been connected by the broker, and seen online: not counted.
   */
  get seenOnlineConnected(): number {
    return this.onlineConnectedCount;
  }

  /** Closed users seen offline so far. */
  get seenOffline(): number {
    return this.offlineCount;
  }

  /** User `user`'s connection was answered at `at`. */
  connected(user: number, at: number): void {
    if (this.connackAt[user] === 0 && this.onlineAt[user] > 0) this.onlineConnectedCount++;
    this.connackAt[user] = at;
  }

  /** User `user`'s connection was closed cleanly at `at` (just before its DISCONNECT). */
  closing(user: number, at: number): void {
    this.closedAt[user] = at;
  }

  /** A watcher saw user `user` (-1: not a watched user) shown as `status` at `at`. */
  notice(user: number, status: string, at: number): void {
    if (user < 0 || user >= this.users || !isSeenStatus(status)) {
      this.stray++;
      return;
    }
    const offline = status === 'offline';
    if (this.closedAt[user] > 0) {
      // Closed: offline is the awaited change; online after that offline is a flap (one already
      // on its way when the close came is not).
      if (offline) {
        if (this.offlineAt[user] === 0) {
          this.offlineAt[user] = at;
          this.offlineCount++;
        }
      } else if (this.offlineAt[user] > 0) this.flaps[user]++;
      return;
    }
    if (this.onlineAt[user] > 0) {
      // Held: any offline is a flap; online again (a status text, a second notice) is not.
      if (offline) this.flaps[user]++;
      return;
    }
    if (offline) {
      // Before it connected (the snapshot), or connected and not yet seen online.
      if (this.snapshot[user] === 0) {
        this.snapshot[user] = 1;
        this.snapshotCount++;
      }
      return;
    }
    this.onlineAt[user] = at;
    this.onlineCount++;
    if (this.connackAt[user] > 0) this.onlineConnectedCount++;
  }

  summary(): PresenceSummary {
    const online = new Float64Array(this.users);
    const offline = new Float64Array(this.users);
    let nOnline = 0;
    let nOffline = 0;
    let connected = 0;
    let closed = 0;
    let neverOnline = 0;
    let neverOffline = 0;
    let flapping = 0;
    let errors = 0;
    let lastConnack = 0;
    let lastOnline = 0;
    let lastClose = 0;
    let lastOffline = 0;
    for (let u = 0; u < this.users; u++) {
      const isConnected = this.connackAt[u] > 0;
      const isClosed = this.closedAt[u] > 0;
      let fault = false;
      if (isConnected) {
        connected++;
        lastConnack = Math.max(lastConnack, this.connackAt[u]);
        if (this.onlineAt[u] > 0) {
          online[nOnline++] = this.onlineAt[u] - this.connackAt[u];
          lastOnline = Math.max(lastOnline, this.onlineAt[u]);
        } else {
          neverOnline++;
          fault = true;
        }
      }
      if (isClosed) {
        closed++;
        lastClose = Math.max(lastClose, this.closedAt[u]);
        if (this.offlineAt[u] > 0) {
          offline[nOffline++] = this.offlineAt[u] - this.closedAt[u];
          lastOffline = Math.max(lastOffline, this.offlineAt[u]);
        } else {
          neverOffline++;
          fault = true;
        }
      }
      if (this.flaps[u] > 0) {
        flapping++;
        fault = true;
      }
      if (fault) errors++;
    }
    return {
      counts: {
        users: this.users,
        snapshotSeen: this.snapshotCount,
        connected,
        seenOnline: this.onlineConnectedCount,
        onlineWithoutConnack: this.onlineCount - this.onlineConnectedCount,
        closed,
        seenOffline: this.offlineCount,
        neverOnline,
        neverOffline,
        flapping,
        errors,
        stray: this.stray,
      },
      onlineLatency: percentiles(online, nOnline),
      offlineLatency: percentiles(offline, nOffline),
      allOnlineAfterLastConnackMs: connected > 0 && neverOnline === 0 ? lastOnline - lastConnack : null,
      allOfflineAfterLastCloseMs: closed > 0 && neverOffline === 0 ? lastOffline - lastClose : null,
      lastConnackAt: connected > 0 ? lastConnack : null,
      lastCloseAt: closed > 0 ? lastClose : null,
    };
  }
}

function isSeenStatus(status: string): status is SeenStatus {
  return status === 'online' || status === 'away' || status === 'busy' || status === 'offline';
}
