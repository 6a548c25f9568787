import { Module } from '@nestjs/common';
import { derivedModel } from '../database/derived-model';
import { Conversation, ConversationSchema } from './conversation.schema';
import { ConversationChangeRecord, ConversationChangeRecordSchema } from './conversation-change.schema';
import { ConversationChangesRepository } from './conversation-changes.repository';
import { ConversationFolder } from './conversation-folder';
import { ConversationSummaries } from './conversation-summaries';
import { ConversationArchive, ConversationArchiveSchema } from './conversation-archive.schema';
import { ConversationArchivesRepository } from './conversation-archives.repository';
import { ConversationArchivesService } from './conversation-archives.service';
import { ConversationWriter } from './conversation-writer';
import { ConversationsController } from './conversations.controller';
import { ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';
import { GroupMemberships } from './group-memberships';
import { MessagesModule } from '../messages/messages.module';
import { ReadStatesModule } from '../receipts/read-states.module';

@Module({
  imports: [MessagesModule, ReadStatesModule],
  controllers: [ConversationsController],
  providers: [
    derivedModel(Conversation.name, ConversationSchema),
    derivedModel(ConversationArchive.name, ConversationArchiveSchema),
    derivedModel(ConversationChangeRecord.name, ConversationChangeRecordSchema),
    ConversationsRepository,
    ConversationChangesRepository,
    ConversationSummaries,
    ConversationFolder,
    ConversationArchivesRepository,
    ConversationWriter,
    ConversationsService,
    ConversationArchivesService,
    GroupMemberships,
  ],
  exports: [ConversationWriter, GroupMemberships, ConversationArchivesService, ConversationsService],
})
export class ConversationsModule {}
