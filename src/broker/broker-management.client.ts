import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig } from '../config';
import { BrokerCredentials } from './broker-credentials';

/** A live connection as the management API lists it (after its statistics lag: 0.5-5 s). */
export interface ListedConnection {
  name: string;
  /** MQTT and Web-MQTT only. */
  clientId?: string;
  /** `MQTT 3.1.1`, `Web MQTT 3.1.1`, `AMQP 0-9-1`. */
  protocol?: string;
  /** Milliseconds since the epoch. */
  connectedAt?: number;
  /** `host:port` of the client. */
  peer?: string;
}

/** Who opened a connection's channel: the authenticated identity (never the typed MQTT username). */
export interface ChannelOwner {
  connection: string;
  user: string;
}

const TIMEOUT_MS = 5000;

/** A message as the management API's queue "get" returns it (payload base64-encoded). */
export interface ManagementMessage {
  exchange: string;
  routing_key: string;
  payload: string;
  payload_encoding: 'base64' | 'string';
  properties: { headers?: Record<string, unknown>; content_type?: string; delivery_mode?: number };
}

/**
 * The broker's management HTTP API (RABBITMQ_MANAGEMENT_URL): lists and closes connections.
 * Logs in like the engine's AMQP connections: RABBITMQ_USER/PASSWORD, or the service token
 * (tagged administrator), which the 3.10 management API accepts as a Bearer token.
 */
@Injectable()
export class BrokerManagementClient {
  constructor(
    private readonly config: AppConfig,
    private readonly credentials: BrokerCredentials,
  ) {}

  get configured(): boolean {
    return Boolean(this.config.broker.managementUrl);
  }

  /**
   * Closes one connection by name; false when the broker has no such connection (already gone).
   * `disable_stats=true` makes the broker look the name up in its connection tracking table,
   * which knows a connection from its CONNECT on; without it the lookup goes to the statistics
   * database, which answers 404 for the first 0.5-5 s of a connection (measured on 3.10.8).
   */
  async closeConnection(name: string, reason: string): Promise<boolean> {
    const path = `/api/connections/${encodeURIComponent(name)}?disable_stats=true`;
    return (await this.call('DELETE', path, { 'x-reason': reason }, [404])) !== NOT_FOUND;
  }

  /** Every connection the statistics database knows (not the newest few seconds' ones). */
  async listConnections(): Promise<ListedConnection[]> {
    const rows = (await this.call('GET', '/api/connections?columns=name,protocol,client_properties.client_id,connected_at,peer_host,peer_port')) as Array<{
      name?: unknown;
      protocol?: unknown;
      client_properties?: { client_id?: unknown };
      connected_at?: unknown;
      peer_host?: unknown;
      peer_port?: unknown;
    }>;
    return (rows ?? []).flatMap((r) =>
      typeof r.name === 'string'
        ? [{
            name: r.name,
            ...(typeof r.protocol === 'string' && { protocol: r.protocol }),
            ...(typeof r.client_properties?.client_id === 'string' && { clientId: r.client_properties.client_id }),
            ...(typeof r.connected_at === 'number' && { connectedAt: r.connected_at }),
            ...(typeof r.peer_host === 'string' && typeof r.peer_port === 'number' && { peer: hostPort(r.peer_host, r.peer_port) }),
          }]
        : [],
    );
  }

  /** The identity behind every listed connection's channels (same lag as listConnections). */
  async listChannelOwners(): Promise<ChannelOwner[]> {
    const rows = (await this.call('GET', '/api/channels?columns=user,connection_details.name')) as Array<{
      user?: unknown;
      connection_details?: { name?: unknown };
    }>;
    return (rows ?? []).flatMap((r) =>
      typeof r.user === 'string' && typeof r.connection_details?.name === 'string' ? [{ connection: r.connection_details.name, user: r.user }] : [],
    );
  }

  /**
   * Takes up to `count` messages from the head of a queue through the management API, which reads
   * them inside the broker, so even a message AMQP cannot carry (a routing key over 255 bytes)
   * comes out. `peek` puts them back where they were; `take` removes them. `payloadBytes` cuts the
   * payloads short (to read only where messages go).
   */
  async getMessages(queue: string, count: number, mode: 'peek' | 'take', payloadBytes = 1 << 30): Promise<ManagementMessage[]> {
    const vhost = encodeURIComponent(this.config.broker.vhost);
    const body = { count, ackmode: mode === 'peek' ? 'reject_requeue_true' : 'ack_requeue_false', encoding: 'base64', truncate: payloadBytes };
    return (await this.call('POST', `/api/queues/${vhost}/${encodeURIComponent(queue)}/get`, { 'content-type': 'application/json' }, [], body)) as ManagementMessage[];
  }

  private async call(method: string, path: string, headers: Record<string, string> = {}, tolerated: number[] = [], body?: object): Promise<unknown> {
    const base = this.config.broker.managementUrl;
    if (!base) throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'RABBITMQ_MANAGEMENT_URL is not set: the broker management API is needed');
    let res: Response;
    try {
      res = await fetch(`${base.replace(/\/+$/, '')}${path}`, {
        method,
        headers: { authorization: this.authorization(), ...headers },
        ...(body && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `broker management API unreachable: ${(err as Error).message}`);
    }
    if (tolerated.includes(res.status)) return NOT_FOUND;
    if (!res.ok) {
      throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `broker management API answered ${res.status} to ${method} ${path.split('?')[0].split('/').slice(0, 3).join('/')}`);
    }
    const text = await res.text();
    return text ? JSON.parse(text) : undefined;
  }

  private authorization(): string {
    const { username, password } = this.credentials.current();
    if (this.credentials.usesServiceToken) return `Bearer ${password}`;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
}

const NOT_FOUND = Symbol('not found');

/** `host:port`, `[host]:port` for IPv6. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
