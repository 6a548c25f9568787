import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections';
import { derivedModel } from '../database/derived-model';
import { MessagesModule } from '../messages/messages.module';
import { PolicyEventsModule } from '../policy/events';
import { PolicyModule } from '../policy/policy.module';
import { UsersModule } from '../users/users.module';
import { PresenceApplier } from './presence-applier.service';
import { PresenceNotices } from './presence-notices';
import { PresenceCommands } from './presence-commands';
import { PresenceController } from './presence.controller';
import { PresenceRepository } from './presence.repository';
import { PresenceDoc, PresenceSchema, PresenceWatchDoc, PresenceWatchSchema } from './presence.schema';
import { PresenceService } from './presence.service';

/**
 * Who is online and what they set, and who watches whom (docs/presence.md): applied on one
 * instance (PresenceApplier, the leader the broker's exclusive consumer elects) from one durable
 * queue of connection events and presence commands; read by every instance from the database.
 */
@Module({
  imports: [ConnectionsModule, MessagesModule, PolicyModule, PolicyEventsModule, UsersModule],
  controllers: [PresenceController],
  providers: [
    derivedModel(PresenceDoc.name, PresenceSchema),
    derivedModel(PresenceWatchDoc.name, PresenceWatchSchema),
    PresenceRepository,
    PresenceApplier,
    PresenceNotices,
    PresenceCommands,
    PresenceService,
  ],
  exports: [PresenceService],
})
export class PresenceModule {}
