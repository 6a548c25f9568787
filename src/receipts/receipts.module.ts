import { Module } from '@nestjs/common';
import { GroupsModule } from '../groups/groups.module';
import { MessagesModule } from '../messages/messages.module';
import { ReceiptsController } from './receipts.controller';
import { ReadStatesModule } from './read-states.module';
import { ReceiptsService } from './receipts.service';

/**
 * Users' delivered and read positions per conversation (docs/receipts.md): stored from receipts
 * (the pipeline's receipt handler hands them over), told to the parties, read by the conversation
 * list (unread counts), the history (each message's status) and the groups' receipts.
 */
@Module({
  imports: [MessagesModule, ReadStatesModule, GroupsModule],
  controllers: [ReceiptsController],
  providers: [ReceiptsService],
  exports: [ReceiptsService],
})
export class ReceiptsModule {}
