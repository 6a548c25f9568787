import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { Conversation, ConversationSchema } from './conversation.schema';
import { ConversationWriter } from './conversation-writer';
import { ConversationsRepository } from './conversations.repository';

@Module({
  imports: [MongooseModule.forFeature([{ name: Conversation.name, schema: ConversationSchema }])],
  providers: [ConversationsRepository, ConversationWriter],
  exports: [ConversationsRepository, ConversationWriter],
})
export class ConversationsModule {}
