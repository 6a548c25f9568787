import { createHash } from 'node:crypto';
import { ConnectionEvent, ConnectionProtocol } from './connection-event';

/** What the engine knows of one live broker connection. */
export interface LiveConnection {
  /** The broker's connection name (`"127.0.0.1:44966 -> 127.0.0.1:1884"`): the key to close it. */
  name: string;
  /** The authenticated identity (the token's subject), once a channel has been seen. */
  user?: string;
  protocol?: ConnectionProtocol;
  /** MQTT only; null when the broker's text of it could not be read. Never shown to other users. */
  clientId?: string | null;
  connectedAt?: number | null;
  /** The client's address (`host:port`), when known. */
  peer?: string | null;
}

/**
 * The id the admin API shows a connection by: a digest of its broker name, which holds spaces,
 * `>` and the client's address, awkward in a URL path. Stable for the connection's life.
 */
export function connectionId(name: string): string {
  return createHash('sha256').update(name).digest('base64url').slice(0, 22);
}

/** The protocols whose connections count for presence: MQTT and MQTT over WebSocket. */
export const MQTT_KINDS: readonly ConnectionProtocol[] = ['mqtt', 'web-mqtt'];

export function isMqttKind(c: Pick<LiveConnection, 'protocol'>): boolean {
  return c.protocol !== undefined && MQTT_KINDS.includes(c.protocol);
}

/** A connection whose identity and kind are both known: the moment rules can be checked. */
export type IdentifiedConnection = LiveConnection & { user: string; protocol: ConnectionProtocol };

/**
 * The live connections one engine instance knows of, by name, with an index by identity. A
 * connection becomes "identified" when both its created event (kind, client id) and a channel
 * event (identity) have arrived, in either order; `apply` returns it at that moment, once.
 */
export class ConnectionRegistry {
  private readonly byName = new Map<string, LiveConnection>();
  private readonly byUser = new Map<string, Set<string>>();

  get size(): number {
    return this.byName.size;
  }

  apply(event: ConnectionEvent): IdentifiedConnection | null {
    switch (event.type) {
      case 'connection.created':
        return this.merge({ name: event.name, protocol: event.protocol, clientId: event.clientId, connectedAt: event.connectedAt, peer: event.peer });
      case 'channel.created':
        return this.merge({ name: event.name, user: event.user });
      case 'connection.closed':
        this.remove(event.name);
        return null;
    }
  }

  /**
   * Adds what is known of a connection (from an event or a listing) without overwriting what
   * is known already; returns it when this made it identified.
   */
  merge(update: LiveConnection): IdentifiedConnection | null {
    const known = this.byName.get(update.name);
    const wasIdentified = known !== undefined && isIdentified(known);
    const next: LiveConnection = { ...update, ...stripUndefined(known ?? { name: update.name }) };
    this.byName.set(next.name, next);
    if (next.user) {
      let names = this.byUser.get(next.user);
      if (!names) this.byUser.set(next.user, (names = new Set()));
      names.add(next.name);
    }
    return !wasIdentified && isIdentified(next) ? next : null;
  }

  /** Names of the live connections made with this identity's token. */
  namesOf(user: string): string[] {
    return [...(this.byUser.get(user) ?? [])];
  }

  get(name: string): LiveConnection | undefined {
    return this.byName.get(name);
  }

  /** Every connection known, identified or not. */
  all(): IterableIterator<LiveConnection> {
    return this.byName.values();
  }

  /** Forgets a connection; returns what was known of it. */
  remove(name: string): LiveConnection | undefined {
    const known = this.byName.get(name);
    if (!known) return undefined;
    this.byName.delete(name);
    const names = known.user ? this.byUser.get(known.user) : undefined;
    names?.delete(name);
    if (names?.size === 0) this.byUser.delete(known.user!);
    return known;
  }

  clear(): void {
    this.byName.clear();
    this.byUser.clear();
  }
}

export function isIdentified(c: LiveConnection): c is IdentifiedConnection {
  return c.user !== undefined && c.protocol !== undefined;
}

function stripUndefined(c: LiveConnection): LiveConnection {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as unknown as LiveConnection;
}
