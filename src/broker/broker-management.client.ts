import { Injectable, Logger } from '@nestjs/common';
import { clientIdPrefix } from '@app/protocol';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig } from '../config';
import { BrokerCredentials } from './broker-credentials';

interface ConnectionRow {
  name: string;
  user: string;
  client_properties?: { client_id?: unknown };
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
 * The broker's management HTTP API (RABBITMQ_MANAGEMENT_URL), used to close a user's live
 * connections: a JWT stays valid until it expires, so disabling a user must also cut them off.
 * Logs in like the engine's AMQP connections: RABBITMQ_USER/PASSWORD, or the service token
 * (tagged administrator), which the 3.10 management API accepts as a Bearer token.
 */
@Injectable()
export class BrokerManagementClient {
  private readonly logger = new Logger(BrokerManagementClient.name);

  constructor(
    private readonly config: AppConfig,
    private readonly credentials: BrokerCredentials,
  ) {}

  get configured(): boolean {
    return Boolean(this.config.broker.managementUrl);
  }

  /**
   * Closes the user's connections (MQTT, Web-MQTT, AMQP); returns how many. The broker (3.10)
   * records the login name a client gave, not the token's subject, so a connection is the user's
   * when it logged in with the user id or uses one of the user's client ids (`<user>~...`).
   */
  async closeUserConnections(userId: string, reason: string): Promise<number> {
    const rows = (await this.call('GET', '/api/connections?columns=name,user,client_properties')) as ConnectionRow[];
    const prefix = clientIdPrefix(userId);
    const mine = rows.filter((row) => {
      const clientId = row.client_properties?.client_id;
      return row.user === userId || (typeof clientId === 'string' && clientId.startsWith(prefix));
    });
    for (const row of mine) {
      // 404: it closed by itself in between, which is what we want anyway.
      await this.call('DELETE', `/api/connections/${encodeURIComponent(row.name)}`, { 'x-reason': reason }, [404]);
    }
    if (mine.length > 0) this.logger.log({ user_id: userId, connections: mine.length }, 'closed the user\'s broker connections');
    return mine.length;
  }

  /**
   * Takes up to `count` messages from the head of a queue through the management API, which reads
   * them inside the broker, so even a message AMQP cannot carry (a routing key over 255 bytes)
   * comes out. `peek` puts them back where they were; `take` removes them.
   */
  async getMessages(queue: string, count: number, mode: 'peek' | 'take'): Promise<ManagementMessage[]> {
    const vhost = encodeURIComponent(this.config.broker.vhost);
    const body = { count, ackmode: mode === 'peek' ? 'reject_requeue_true' : 'ack_requeue_false', encoding: 'base64', truncate: 1 << 30 };
    return (await this.call('POST', `/api/queues/${vhost}/${encodeURIComponent(queue)}/get`, { 'content-type': 'application/json' }, [], body)) as ManagementMessage[];
  }

  private async call(method: string, path: string, headers: Record<string, string> = {}, tolerated: number[] = [], body?: object): Promise<unknown> {
    const base = this.config.broker.managementUrl;
    if (!base) throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'RABBITMQ_MANAGEMENT_URL is not set: cannot close broker connections');
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
    if (tolerated.includes(res.status)) return undefined;
    if (!res.ok) {
      throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `broker management API answered ${res.status} to ${method} ${path.split('?')[0]}`);
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
