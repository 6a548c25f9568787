import { Logger } from '@nestjs/common';
import { IdentifiedConnection } from '../connections/connection-registry';
import { ConnectionsRepository } from '../connections/connections.repository';
import { Effects, PresenceModel } from './presence-model';
import { PresenceRepository } from './presence.repository';

const RETRY_MS = [200, 1000, 2000, 5000];
/** Writes made behind (offline users' last seen) per round, between the rounds that hold acks. */
const LAZY_PER_ROUND = 40;

/**
 * Stores what a leadership term's model changed, behind the events that changed it, and only then
 * acknowledges those events: a crash between the two re-applies them (applying is idempotent), so
 * no event is lost. Changes made while a write is under way coalesce into the next one (the
 * model's current state of each changed key is what is written), so a slow database delays acks,
 * never the presence notices.
 */
export class PresenceWriter {
  private readonly logger = new Logger(PresenceWriter.name);
  private added = new Map<string, IdentifiedConnection>();
  private removed = new Set<string>();
  private presence = new Set<string>();
  private watches = new Set<string>();
  private ack: (() => void) | null = null;
  private after: Array<() => void> = [];
  /** Users whose presence (and, when true, watch list) is written behind, not holding acks. */
  private lazy = new Map<string, boolean>();
  private running = false;
  private stopped = false;

  constructor(
    private readonly model: PresenceModel,
    private readonly connections: ConnectionsRepository,
    private readonly store: PresenceRepository,
  ) {}

  /** Takes a batch's changes; `ack` acknowledges every event up to the batch's last, once they are stored. */
  submit(fx: Effects, ack: () => void): void {
    for (const [name, c] of fx.added) {
      this.added.set(name, c);
      this.removed.delete(name);
    }
    for (const name of fx.removed) if (!this.added.delete(name)) this.removed.add(name);
    fx.presenceDirty.forEach((u) => this.presence.add(u));
    fx.watchesDirty.forEach((u) => this.watches.add(u));
    this.after.push(...fx.afterStore);
    for (const [user, watches] of fx.lazy) this.lazy.set(user, watches || (this.lazy.get(user) ?? false));
    this.ack = ack;
    if (!this.running) void this.run();
  }

  /** Ends the term: nothing more is written or acknowledged (the broker gives the events to the next leader). */
  stop(): void {
    this.stopped = true;
  }

  /** True while changes wait to be stored (for tests and shutdown). */
  get busy(): boolean {
    return this.running;
  }

  private async run(): Promise<void> {
    this.running = true;
    let failures = 0;
    while (!this.stopped && (this.ack || this.lazy.size > 0)) {
      if (!this.ack) {
        failures = (await this.writeBehind()) ? 0 : failures + 1;
        if (failures > 0) await new Promise((r) => setTimeout(r, RETRY_MS[Math.min(failures - 1, RETRY_MS.length - 1)]));
        continue;
      }
      const [added, removed, presence, watches, ack, after] = [this.added, this.removed, this.presence, this.watches, this.ack, this.after];
      this.added = new Map();
      this.removed = new Set();
      this.presence = new Set();
      this.watches = new Set();
      this.ack = null;
      this.after = [];
      try {
        await this.connections.add([...added.values()]);
        await this.connections.remove([...removed]);
        await this.store.savePresence([...presence].map((u) => [u, this.model.presenceOf(u) ?? {}]));
        await this.store.saveWatches([...watches].map((u) => [u, [...this.model.watchedBy(u)]]));
        failures = 0;
        if (!this.stopped) {
          ack();
          after.forEach((run) => run());
        }
        await this.writeBehind();
      } catch (err) {
        // Put the batch back under what came since (newer changes win), and try again.
        for (const [name, c] of added) if (!this.removed.has(name) && !this.added.has(name)) this.added.set(name, c);
        for (const name of removed) if (!this.added.delete(name)) this.removed.add(name);
        presence.forEach((u) => this.presence.add(u));
        watches.forEach((u) => this.watches.add(u));
        this.ack ??= ack;
        this.after.unshift(...after);
        const wait = RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)];
        this.logger.warn({ error: (err as Error).message, retryInMs: wait }, 'could not store presence changes; their broker events stay unacknowledged');
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    this.running = false;
  }

  /** Writes a slice of the changes made behind; false (they stay queued) when the database failed. */
  private async writeBehind(): Promise<boolean> {
    const slice = [...this.lazy].slice(0, LAZY_PER_ROUND);
    if (slice.length === 0) return true;
    slice.forEach(([user]) => this.lazy.delete(user));
    try {
      await this.store.savePresence(slice.map(([u]) => [u, this.model.presenceOf(u) ?? {}]));
      await this.store.saveWatches(slice.filter(([, watches]) => watches).map(([u]) => [u, [...this.model.watchedBy(u)]]));
      return true;
    } catch (err) {
      for (const [user, watches] of slice) if (!this.lazy.has(user)) this.lazy.set(user, watches);
      this.logger.warn({ error: (err as Error).message, behind: this.lazy.size }, 'could not store last-seen times; trying again');
      return false;
    }
  }
}
