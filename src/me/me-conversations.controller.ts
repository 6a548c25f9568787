import { Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { isValidGroupId } from '@app/protocol';
import { CurrentUser, UserPrincipal, UserRoute } from '../auth';
import { ApiErrorResponses } from '../common/errors';
import { PeerIdPipe, userPath } from '../common/http';
import { ConversationArchivesService } from '../conversations/conversation-archives.service';
import { ConversationsService } from '../conversations/conversations.service';
import { ConversationListQueryDto } from '../conversations/dto/conversation-list-query.dto';
import { ConversationPageResponse } from '../conversations/dto/conversation.response';
import { GroupsService } from '../groups/groups.service';
import { HistoryQueryDto } from '../messages/dto/history-query.dto';
import { HistoryPageResponse, MessagePageResponse } from '../messages/dto/message.response';
import { MessagesService } from '../messages/messages.service';
import { USER_SECURITY } from './user-security';

const UNKNOWN_CONVERSATION = 'No message between you and the peer yet, or you are not a member of the group';

@ApiTags('me')
@ApiBearerAuth(USER_SECURITY)
@UserRoute()
@Controller(userPath('conversations'))
export class MeConversationsController {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly archives: ConversationArchivesService,
    private readonly messages: MessagesService,
    private readonly groups: GroupsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'My conversations (direct and groups), most recent first, with unread counts; archived ones only with archived=true' })
  @ApiOkResponse({ type: ConversationPageResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid limit, cursor or archived' })
  list(@CurrentUser() me: UserPrincipal, @Query() query: ConversationListQueryDto): Promise<ConversationPageResponse> {
    return this.conversations.list(me.userId, query.limit, query.cursor, query.archived);
  }

  @Get(':peer/messages')
  @ApiExtraModels(HistoryPageResponse, MessagePageResponse)
  @ApiOperation({
    summary: 'The messages of one of my conversations (peer: a user id or a group id), in time order, cursor paging both ways or around a message',
    description:
      'A direct conversation: each message with its receipt (sent, delivered, read). A group: only for its members, ' +
      'from when I joined with GROUP_HISTORY_FOR_NEW_MEMBERS=since_join. `around`: the page centred on that message, with `prev_cursor`.',
  })
  @ApiOkResponse({ schema: { oneOf: [{ $ref: getSchemaPath(HistoryPageResponse) }, { $ref: getSchemaPath(MessagePageResponse) }] } })
  @ApiErrorResponses({
    VALIDATION_FAILED: 'Invalid peer, limit, order, cursor or around (or both cursor and around)',
    GROUP_NOT_FOUND: 'No such group, or I am not a member',
    MESSAGE_NOT_FOUND: 'around: no such message in this conversation (that I may see)',
  })
  async history(@CurrentUser() me: UserPrincipal, @Param('peer', PeerIdPipe) peer: string, @Query() query: HistoryQueryDto): Promise<HistoryPageResponse | MessagePageResponse> {
    if (!isValidGroupId(peer)) return this.messages.history(me.userId, peer, query);
    await this.groups.ofMember(me.userId, peer);
    return this.groups.history(peer, query, me.userId);
  }

  @Put(':peer/archive')
  @HttpCode(204)
  @ApiOperation({ summary: 'Archive one of my conversations, as an archive command would', description: 'It leaves my list until a new message comes; my devices are told. Archiving again is harmless.' })
  @ApiNoContentResponse({ description: 'Archived' })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid peer', MESSAGE_NOT_FOUND: UNKNOWN_CONVERSATION })
  async archive(@CurrentUser() me: UserPrincipal, @Param('peer', PeerIdPipe) peer: string): Promise<void> {
    await this.archives.archive(me.userId, peer);
  }

  @Delete(':peer/archive')
  @HttpCode(204)
  @ApiOperation({ summary: 'Bring an archived conversation back to my list (also when it was not archived); my devices are told' })
  @ApiNoContentResponse({ description: 'Not archived' })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid peer', MESSAGE_NOT_FOUND: UNKNOWN_CONVERSATION })
  async unarchive(@CurrentUser() me: UserPrincipal, @Param('peer', PeerIdPipe) peer: string): Promise<void> {
    await this.archives.unarchive(me.userId, peer);
  }
}
