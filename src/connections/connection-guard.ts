import { Injectable, Logger } from '@nestjs/common';
import { BrokerManagementClient } from '../broker';
import { IdentifiedConnection } from './connection-registry';
import { ruleBroken } from './connection-rules';
import { ConnectionTracker } from './connection-tracker.service';

/**
 * Closes a connection that breaks the client id rule as soon as this instance learns of it.
 * Every instance does so: the second close finds the connection gone, which is harmless.
 */
@Injectable()
export class ConnectionGuard {
  private readonly logger = new Logger(ConnectionGuard.name);

  constructor(
    tracker: ConnectionTracker,
    private readonly management: BrokerManagementClient,
  ) {
    tracker.onIdentified((connection) => void this.check(connection));
    if (!management.configured) this.logger.warn('RABBITMQ_MANAGEMENT_URL is not set: connections that break the client id rule stay open');
  }

  async check(connection: IdentifiedConnection): Promise<void> {
    const broken = ruleBroken(connection);
    if (!broken || !this.management.configured) return;
    // No client id in the log: whoever reads it could use a live one to have its owner kicked.
    const context = { user_id: connection.user, connection: connection.name, protocol: connection.protocol };
    try {
      const closed = await this.management.closeConnection(connection.name, broken);
      this.logger.warn({ ...context, closed }, `closed a broker connection: ${broken}`);
    } catch (err) {
      this.logger.warn({ ...context, error: (err as Error).message }, 'could not close a broker connection that breaks the client id rule');
    }
  }
}
