import { Module } from '@nestjs/common';
import { ConnectionGuard } from './connection-guard';
import { ConnectionTracker } from './connection-tracker.service';
import { ConnectionsService } from './connections.service';

/**
 * The broker's live client connections, known by the identity in each token: tracked from the
 * broker's connection events, checked against the client id rule, and closed by identity
 * (disable, delete, disconnect). The broker module (connections, management API) is global.
 */
@Module({
  providers: [ConnectionTracker, ConnectionGuard, ConnectionsService],
  exports: [ConnectionsService, ConnectionTracker],
})
export class ConnectionsModule {}
