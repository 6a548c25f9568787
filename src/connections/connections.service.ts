import { Injectable, Logger } from '@nestjs/common';
import { BrokerManagementClient } from '../broker';
import { DomainError, ErrorCode } from '../common/errors';
import { ConnectionDoc } from './connection.schema';
import { ConnectionsRepository } from './connections.repository';

/**
 * Events of a connection opened just before a close was asked for may still be on their way
 * (they take a few milliseconds, then the presence leader stores them): look once more after this long.
 */
const STRAGGLER_WAIT_MS = 250;

/** A user's live broker connections, from the tracked view (docs/presence.md), and closing them by identity. */
@Injectable()
export class ConnectionsService {
  private readonly logger = new Logger(ConnectionsService.name);

  constructor(
    private readonly repository: ConnectionsRepository,
    private readonly management: BrokerManagementClient,
  ) {}

  get canClose(): boolean {
    return this.management.configured;
  }

  /** The user's live connections, oldest first. */
  list(userId: string): Promise<ConnectionDoc[]> {
    return this.repository.ofUser(userId);
  }

  /** Closes one of the user's connections (by the id the admin API shows); NOT_FOUND when the user has no such live connection. */
  async closeOne(userId: string, id: string, reason: string): Promise<void> {
    const found = (await this.repository.ofUser(userId)).find((c) => c.id === id);
    if (!found || !(await this.management.closeConnection(found._id, reason))) {
      throw new DomainError(ErrorCode.NOT_FOUND, `user ${userId} has no live connection ${id}`);
    }
    this.logger.log({ user_id: userId, connection: found._id, reason }, 'closed a broker connection');
  }

  /**
   * Closes every live connection made with the user's token (MQTT, Web-MQTT, AMQP), whatever
   * MQTT username or client id it gave, and no other; returns how many were closed. Found in the
   * tracked view and in the management API's channel list (identities, never the typed username),
   * then closed by name, which the broker honours from CONNECT on.
   * Throws DEPENDENCY_UNAVAILABLE when the management API is not set or unreachable.
   */
  async closeUserConnections(userId: string, reason: string): Promise<number> {
    const tracked = async () => (await this.repository.ofUser(userId)).map((c) => c._id);
    const [owners, known] = await Promise.all([this.management.listChannelOwners(), tracked()]);
    const tried = new Set<string>();
    let closed = await this.closeAll([...known, ...owners.filter((o) => o.user === userId).map((o) => o.connection)], tried, reason);
    await new Promise((r) => setTimeout(r, STRAGGLER_WAIT_MS));
    closed += await this.closeAll(await tracked(), tried, reason);
    if (closed > 0) this.logger.log({ user_id: userId, connections: closed, reason }, "closed the user's broker connections");
    return closed;
  }

  private async closeAll(names: string[], tried: Set<string>, reason: string): Promise<number> {
    const fresh = [...new Set(names)].filter((name) => !tried.has(name));
    fresh.forEach((name) => tried.add(name));
    const results = await Promise.all(fresh.map((name) => this.management.closeConnection(name, reason)));
    return results.filter(Boolean).length;
  }
}
