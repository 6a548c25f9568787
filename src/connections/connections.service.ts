import { Injectable, Logger } from '@nestjs/common';
import { BrokerManagementClient } from '../broker';
import { ConnectionTracker } from './connection-tracker.service';

/**
 * Events of a connection opened just before a close was asked for may still be on their way
 * (they take a few milliseconds): look once more after this long.
 */
const STRAGGLER_WAIT_MS = 250;

/** Closing a user's broker connections, by the identity in their token. */
@Injectable()
export class ConnectionsService {
  private readonly logger = new Logger(ConnectionsService.name);

  constructor(
    private readonly tracker: ConnectionTracker,
    private readonly management: BrokerManagementClient,
  ) {}

  get canClose(): boolean {
    return this.management.configured;
  }

  /**
   * Closes every live connection made with the user's token (MQTT, Web-MQTT, AMQP), whatever
   * MQTT username or client id it gave, and no other; returns how many were closed. Found in the
   * instance's event-fed view and in the management API's channel list (identities, never the
   * typed username), then closed by name, which the broker honours from CONNECT on.
   * Throws DEPENDENCY_UNAVAILABLE when the management API is not set or unreachable.
   */
  async closeUserConnections(userId: string, reason: string): Promise<number> {
    const owners = await this.management.listChannelOwners();
    const tried = new Set<string>();
    let closed = await this.closeAll([...this.tracker.registry.namesOf(userId), ...owners.filter((o) => o.user === userId).map((o) => o.connection)], tried, reason);
    await new Promise((r) => setTimeout(r, STRAGGLER_WAIT_MS));
    closed += await this.closeAll(this.tracker.registry.namesOf(userId), tried, reason);
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
