import { MqttClient } from 'mqtt';
import { Qos } from '@app/client';
import { PresenceNotice, PresenceResult, PresenceWatch, TopicLayout } from '@app/protocol';
import { TokenIssuer } from '../tokens';
import { openMqtt } from './mqtt-connection';
import { inBatches } from './path-driver';
import { PresenceTracker } from './presence-tracker';

export interface PresenceWatchersOptions {
  url: string;
  layout: TopicLayout;
  tokens: TokenIssuer;
  qos: Qos;
  /** The watchers' user ids: watcher w watches heldIds[w * perWatcher ...]. */
  watcherIds: readonly string[];
  heldIds: readonly string[];
  perWatcher: number;
  tracker: PresenceTracker;
}

/** How many watchers `users` held users need at `perWatcher` each. */
export function watchersFor(users: number, perWatcher: number): number {
  return Math.ceil(users / perWatcher);
}

/** What the engine answered to one watcher's watch list. */
export interface WatchAnswer {
  watcher: string;
  /** False when no answer came in time (an engine that does not route presence). */
  answered: boolean;
  ok: boolean;
  code?: string;
  reason?: string;
  watched?: number;
  unknown: number;
}

/** How long a watcher waits for the engine's answer to its list. */
const WATCH_TIMEOUT_MS = 15_000;

/**
 * The presence watchers: users of their own, each subscribed to its presence notices and result
 * (`{prefix}/{me}/presence/+/clientupdated`, `.../presence/result`) and watching its slice of the
 * held users. Every notice goes to the tracker, by the held user's index.
 */
export class PresenceWatchers {
  private readonly clients: MqttClient[] = [];
  private readonly indexOf = new Map<string, number>();
  private readonly answers = new Map<string, (result: Partial<PresenceResult>) => void>();
  /** Connections lost while watching. */
  disconnects = 0;
  private closing = false;

  constructor(private readonly o: PresenceWatchersOptions) {
    if (o.watcherIds.length !== watchersFor(o.heldIds.length, o.perWatcher)) {
      throw new Error(`presence watchers: ${o.heldIds.length} users at ${o.perWatcher} each need ${watchersFor(o.heldIds.length, o.perWatcher)} watchers`);
    }
    o.heldIds.forEach((id, i) => this.indexOf.set(id, i));
  }

  /** The users watcher `w` watches. */
  slice(w: number): readonly string[] {
    return this.o.heldIds.slice(w * this.o.perWatcher, (w + 1) * this.o.perWatcher);
  }

  /** Connects every watcher and subscribes it; watches nothing yet. */
  async connect(): Promise<void> {
    const { layout, qos } = this.o;
    await inBatches(this.o.watcherIds, 20, async (watcher, w) => {
      const client = await openMqtt(this.o.url, { clientId: `${watcher}~watch`, username: watcher, password: await this.o.tokens.userToken(watcher) });
      this.clients[w] = client;
      client.on('message', (topic, payload) => this.onMessage(watcher, topic, payload));
      client.on('close', () => {
        if (!this.closing) this.disconnects++;
      });
      await client.subscribeAsync([layout.presenceUpdated(watcher, '+'), layout.presenceResult(watcher)], { qos });
    });
  }

  /**
   * Publishes every watcher's list and waits for the engine's answers (they come before the
   * snapshot's notices); a watcher with no answer in WATCH_TIMEOUT_MS is reported unanswered.
   */
  async watch(): Promise<WatchAnswer[]> {
    return Promise.all(
      this.o.watcherIds.map(async (watcher, w) => {
        const commandId = `watch-${w}`;
        const answered = new Promise<Partial<PresenceResult> | null>((resolve) => {
          const timer = setTimeout(() => resolve(null), WATCH_TIMEOUT_MS);
          this.answers.set(`${watcher} ${commandId}`, (result) => {
            clearTimeout(timer);
            resolve(result);
          });
        });
        const body: PresenceWatch = { command_id: commandId, users: [...this.slice(w)] };
        await this.clients[w].publishAsync(this.o.layout.presenceWatch(watcher), JSON.stringify(body), { qos: this.o.qos });
        const r = await answered;
        if (r === null) return { watcher, answered: false, ok: false, unknown: 0 };
        return { watcher, answered: true, ok: r.ok === true, code: r.code, reason: r.reason, watched: r.watched, unknown: r.unknown?.length ?? 0 };
      }),
    );
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.clients.map((c) => c.endAsync(true)));
  }

  private onMessage(watcher: string, topic: string, payload: Buffer): void {
    const at = performance.now();
    const parsed = this.o.layout.parse(topic);
    if (!parsed || parsed.owner !== watcher) return;
    let body: Record<string, unknown>;
    try {
      const value: unknown = JSON.parse(payload.toString('utf8'));
      body = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
    } catch {
      body = {};
    }
    if (parsed.kind === 'presence-updated') {
      const notice = body as Partial<PresenceNotice>;
      this.o.tracker.notice(this.indexOf.get(parsed.peer) ?? -1, typeof notice.status === 'string' ? notice.status : '', at);
    } else if (parsed.kind === 'presence-result') {
      const result = body as Partial<PresenceResult>;
      if (result.command !== 'watch' || typeof result.command_id !== 'string') return;
      this.answers.get(`${watcher} ${result.command_id}`)?.(result);
    }
  }
}
