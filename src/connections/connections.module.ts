import { Module } from '@nestjs/common';
import { derivedModel } from '../database/derived-model';
import { UsersModule } from '../users/users.module';
import { ConnectionDoc, ConnectionSchema } from './connection.schema';
import { ConnectionsController } from './connections.controller';
import { ConnectionsRepository } from './connections.repository';
import { ConnectionsService } from './connections.service';

/**
 * The broker's live client connections, known by the identity in each token: the tracked view
 * (stored by the presence leader from the broker's connection events, read by every instance),
 * listed and closed by identity (disable, delete, disconnect, one connection). The broker module
 * (connections, management API) is global.
 */
@Module({
  imports: [UsersModule],
  controllers: [ConnectionsController],
  providers: [derivedModel(ConnectionDoc.name, ConnectionSchema), ConnectionsRepository, ConnectionsService],
  exports: [ConnectionsService, ConnectionsRepository],
})
export class ConnectionsModule {}
