import { Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/errors';
import { adminPath, PeerIdPipe, UserIdPipe } from '../common/http';
import { ConversationArchivesService } from './conversation-archives.service';
import { ConversationsService } from './conversations.service';
import { ConversationListQueryDto } from './dto/conversation-list-query.dto';
import { ConversationPageResponse } from './dto/conversation.response';

const UNKNOWN_CONVERSATION = 'No message between the user and the peer yet, or the user is not a member of the group';

@ApiTags('conversations')
@Controller(adminPath('users/:userId/conversations'))
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly archives: ConversationArchivesService,
  ) {}

  @Get()
  @ApiOperation({ summary: "A user's conversations, most recent first (cursor pagination); archived ones only with archived=true" })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id, limit, cursor or archived' })
  list(@Param('userId', UserIdPipe) userId: string, @Query() query: ConversationListQueryDto): Promise<ConversationPageResponse> {
    return this.conversations.list(userId, query.limit, query.cursor, query.archived);
  }

  @Put(':peerId/archive')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Archive a conversation for the user, as the user could with an archive command',
    description: "It leaves the user's list until a new message comes (sent or received); the user's devices are told. Archiving again is harmless.",
  })
  @ApiNoContentResponse({ description: 'Archived' })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id or peer', MESSAGE_NOT_FOUND: UNKNOWN_CONVERSATION })
  async archive(@Param('userId', UserIdPipe) userId: string, @Param('peerId', PeerIdPipe) peer: string): Promise<void> {
    await this.archives.archive(userId, peer);
  }

  @Delete(':peerId/archive')
  @HttpCode(204)
  @ApiOperation({ summary: "Bring an archived conversation back to the user's list (also when it was not archived); the user's devices are told" })
  @ApiNoContentResponse({ description: 'Not archived' })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id or peer', MESSAGE_NOT_FOUND: UNKNOWN_CONVERSATION })
  async unarchive(@Param('userId', UserIdPipe) userId: string, @Param('peerId', PeerIdPipe) peer: string): Promise<void> {
    await this.archives.unarchive(userId, peer);
  }
}
