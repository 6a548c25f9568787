import { Module } from '@nestjs/common';
import { BlocksModule } from '../blocks/blocks.module';
import { ConnectionsModule } from '../connections';
import { ConversationsModule } from '../conversations/conversations.module';
import { GroupsModule } from '../groups/groups.module';
import { MessagesModule } from '../messages/messages.module';
import { PresenceModule } from '../presence/presence.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { MeBlocksController } from './me-blocks.controller';
import { MeConnectionsController } from './me-connections.controller';
import { MeConversationsController } from './me-conversations.controller';
import { MeGroupsController } from './me-groups.controller';
import { MePresenceController } from './me-presence.controller';
import { MeController } from './me.controller';

/**
 * The user API (docs/user-api.md): `/v1/me/...`, each route a thin door into the same services the
 * admin API and the message pipeline use, for the user the token names (UserAuthGuard, src/auth).
 */
@Module({
  imports: [UsersModule, TokensModule, ConversationsModule, MessagesModule, GroupsModule, BlocksModule, PresenceModule, ConnectionsModule],
  controllers: [MeController, MeConversationsController, MeGroupsController, MeBlocksController, MePresenceController, MeConnectionsController],
})
export class MeModule {}
