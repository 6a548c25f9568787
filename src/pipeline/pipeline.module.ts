import { Module } from '@nestjs/common';
import { BlocksModule } from '../blocks/blocks.module';
import { GroupsModule } from '../groups/groups.module';
import { ConversationsModule } from '../conversations/conversations.module';
import { MessagesModule } from '../messages/messages.module';
import { PolicyModule } from '../policy/policy.module';
import { BlockCommandHandler } from './block-command.handler';
import { ConversationCommandHandler } from './conversation-command.handler';
import { GroupCommandHandler } from './group-command.handler';
import { MessageUpdateHandler } from './message-update.handler';
import { MessageEditsModule } from '../message-edits/message-edits.module';
import { StoreAndDeliver } from './store-and-deliver';
import { Refusals } from './refusals';
import { PipelineController } from './pipeline.controller';
import { OutgoingMessageHandler } from './outgoing-message.handler';
import { TypingModule } from '../typing/typing.module';
import { TypingHandler } from './typing.handler';
import { UndeliverableMessages } from './undeliverable-messages';
import { ReceiptHandler } from './receipt.handler';
import { ReceiptsModule } from '../receipts/receipts.module';

@Module({
  imports: [MessagesModule, ConversationsModule, PolicyModule, BlocksModule, GroupsModule, ReceiptsModule, TypingModule, MessageEditsModule],
  controllers: [PipelineController],
  providers: [
    OutgoingMessageHandler,
    Refusals,
    BlockCommandHandler,
    GroupCommandHandler,
    ReceiptHandler,
    TypingHandler,
    ConversationCommandHandler,
    MessageUpdateHandler,
    StoreAndDeliver,
    UndeliverableMessages,
  ],
})
export class PipelineModule {}
