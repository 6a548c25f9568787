import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ConversationsModule } from '../conversations/conversations.module';
import { MessagesModule } from '../messages/messages.module';
import { PolicyEventsModule } from '../policy/events';
import { UsersModule } from '../users/users.module';
import { Group, GroupSchema } from './group.schema';
import { GroupNotices } from './group-notices';
import { GroupsController } from './groups.controller';
import { GroupsRepository } from './groups.repository';
import { GroupsService } from './groups.service';

/** Groups: the admin API, the rules, their storage and the members' notices. The pipeline runs members' commands through GroupsService. */
@Module({
  imports: [MongooseModule.forFeature([{ name: Group.name, schema: GroupSchema }]), MessagesModule, ConversationsModule, PolicyEventsModule, UsersModule],
  controllers: [GroupsController],
  providers: [GroupsRepository, GroupsService, GroupNotices],
  exports: [GroupsService, GroupsRepository],
})
export class GroupsModule {}
