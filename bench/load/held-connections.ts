import { MqttClient } from 'mqtt';
import { Qos } from '@app/client';
import { TopicLayout } from '@app/protocol';
import { HeldShape } from '../config/bench-config';
import { percentiles, Percentiles } from '../measure/stats';
import { TokenIssuer } from '../tokens';
import { openMqtt } from './mqtt-connection';
import { PresenceTracker } from './presence-tracker';
import { Clock, realClock, runAtRate } from './rate-gate';

export interface HeldConnectionsOptions {
  url: string;
  layout: TopicLayout;
  tokens: TokenIssuer;
  qos: Qos;
  userIds: readonly string[];
  shape: HeldShape;
  keepaliveSeconds: number;
  /** Opened, and closed, per second. */
  rate: number;
  maxPending: number;
  /** Told of each CONNACK and each clean close, by user index. */
  presence: PresenceTracker;
}

/** How the opening went. */
export interface OpenFigures {
  attempted: number;
  connected: number;
  /** Refused or failed attempts, by the error's message. */
  failed: Record<string, number>;
  /** From the first attempt's due time to the last answer, s. */
  seconds: number;
  /** Connections answered per second over that time. */
  achievedRate: number;
  /** Per connection: attempt -> CONNACK, ms. */
  connack: Percentiles | null;
  /** With the sdk shape: attempt -> SUBACK (connected and subscribed), ms. */
  ready: Percentiles | null;
  /** How late attempts started behind their schedule (the maxPending gate), ms. */
  scheduleLag: Percentiles | null;
  peakPending: number;
}

/** How the closing went. */
export interface CloseFigures {
  closed: number;
  seconds: number;
  achievedRate: number;
  scheduleLag: Percentiles | null;
}

/**
 * The SDK's subscriptions of a connection (libs/client's ChatClient, onConnect): what the broker
 * holds for a real app's idle client, one subscription queue with five bindings.
 */
export function sdkFilters(layout: TopicLayout, userId: string): string[] {
  return [layout.clientAdded(userId, '+'), layout.clientRejected(userId, '+'), layout.groupResult(userId, '+'), layout.groupUpdated(userId, '+'), layout.groupDeleted(userId, '+')];
}

/**
 * N idle client connections, one per user, each with its own token: opened at a bounded rate,
 * held, and closed cleanly (DISCONNECT) at the same rate. Each CONNACK and each close is told to
 * the presence tracker, and a connection the broker drops while held is counted.
 */
export class HeldConnections {
  private readonly clients: Array<MqttClient | undefined>;
  /** Connections that closed without being asked to. */
  lost = 0;
  /** Why they closed: the client's last error before the close (e.g. `Keepalive timeout`), or `closed by the broker`. */
  readonly lostReasons: Record<string, number> = {};
  private connectedCount = 0;

  constructor(
    private readonly o: HeldConnectionsOptions,
    private readonly clock: Clock = realClock,
  ) {
    this.clients = new Array<MqttClient | undefined>(o.userIds.length);
  }

  get connected(): number {
    return this.connectedCount;
  }

  async open(onProgress?: (done: number) => void): Promise<OpenFigures> {
    const n = this.o.userIds.length;
    const connack = new Float64Array(n);
    const ready = new Float64Array(n);
    const failed: Record<string, number> = {};
    let answered = 0;
    let nReady = 0;
    const paced = await runAtRate(
      n,
      this.o.rate,
      this.o.maxPending,
      async (i) => {
        const userId = this.o.userIds[i];
        const start = this.clock.now();
        try {
          const client = await openMqtt(this.o.url, { clientId: `${userId}~held`, username: userId, password: await this.o.tokens.userToken(userId) }, this.o.keepaliveSeconds);
          const at = this.clock.now();
          this.o.presence.connected(i, at);
          connack[this.connectedCount++] = at - start;
          this.clients[i] = client;
          let lastError: string | null = null;
          client.on('error', (err: Error) => void (lastError = err.message));
          client.on('close', () => {
            if (this.clients[i] !== client) return;
            this.clients[i] = undefined;
            this.lost++;
            const reason = lastError ?? 'closed by the broker';
            this.lostReasons[reason] = (this.lostReasons[reason] ?? 0) + 1;
          });
          if (this.o.shape === 'sdk') {
            try {
              await client.subscribeAsync(sdkFilters(this.o.layout, userId), { qos: this.o.qos });
              ready[nReady++] = this.clock.now() - start;
            } catch {
              // Connected, then closed before its SUBACK: counted as lost (with its reason), not as a failed attempt.
            }
          }
        } catch (err) {
          const reason = (err as Error).message.replace(userId, '<user>');
          failed[reason] = (failed[reason] ?? 0) + 1;
        }
        onProgress?.(++answered);
      },
      this.clock,
    );
    const seconds = (paced.endedAt - paced.startedAt) / 1000;
    return {
      attempted: n,
      connected: this.connectedCount,
      failed,
      seconds,
      achievedRate: seconds > 0 ? this.connectedCount / seconds : 0,
      connack: percentiles(connack, this.connectedCount),
      ready: this.o.shape === 'sdk' ? percentiles(ready, nReady) : null,
      scheduleLag: percentiles(paced.lagMs, n),
      peakPending: paced.peakPending,
    };
  }

  /** Closes every connection still open, cleanly and at the opening rate. */
  async close(onProgress?: (done: number) => void): Promise<CloseFigures> {
    const open = this.clients.flatMap((c, i) => (c ? [i] : []));
    let closed = 0;
    const paced = await runAtRate(
      open.length,
      this.o.rate,
      this.o.maxPending,
      async (k) => {
        const i = open[k];
        const client = this.clients[i];
        if (!client) return; // dropped by the broker meanwhile
        this.clients[i] = undefined;
        this.o.presence.closing(i, this.clock.now());
        try {
          await client.endAsync(false);
        } catch {
          // closed anyway
        }
        onProgress?.(++closed);
      },
      this.clock,
    );
    const seconds = (paced.endedAt - paced.startedAt) / 1000;
    return { closed, seconds, achievedRate: seconds > 0 ? closed / seconds : 0, scheduleLag: percentiles(paced.lagMs, open.length) };
  }

  /** Drops whatever is still open (after an error), without waiting. */
  async abandon(): Promise<void> {
    const open = this.clients.filter((c): c is MqttClient => c !== undefined);
    this.clients.fill(undefined);
    await Promise.all(open.map((c) => c.endAsync(true)));
  }
}
