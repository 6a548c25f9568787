import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations/conversations.module';
import { GroupsModule } from '../groups/groups.module';
import { MessagesModule } from '../messages/messages.module';
import { MessageEditNotices } from './message-edit-notices';
import { MessageEditsController } from './message-edits.controller';
import { MessageEditsService } from './message-edits.service';

/** Edits and deletes of stored messages: by their senders (the pipeline's message-update handler) and by admins (REST). */
@Module({
  imports: [MessagesModule, ConversationsModule, GroupsModule],
  controllers: [MessageEditsController],
  providers: [MessageEditsService, MessageEditNotices],
  exports: [MessageEditsService],
})
export class MessageEditsModule {}
