import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/errors';
import { adminPath, UserIdPipe } from '../common/http';
import { HistoryQueryDto } from './dto/history-query.dto';
import { HistoryPageResponse, SendMessageResponse } from './dto/message.response';
import { SendMessageDto } from './dto/send-message.dto';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@Controller()
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get(adminPath('users/:userId/conversations/:peerId/messages'))
  @ApiOperation({ summary: 'Page through the messages between two users, in time order, each with its receipt status (sent, delivered, read)' })
  @ApiOkResponse({ type: HistoryPageResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id, limit, order, cursor or around (or both cursor and around)', MESSAGE_NOT_FOUND: 'around: no such message in this conversation' })
  history(
    @Param('userId', UserIdPipe) userId: string,
    @Param('peerId', UserIdPipe) peerId: string,
    @Query() query: HistoryQueryDto,
  ): Promise<HistoryPageResponse> {
    return this.messages.history(userId, peerId, query);
  }

  @Post(adminPath('messages'))
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a message as a user or as the system sender, through the same pipeline as clients',
    description: 'Accepted once the broker has it; the engine then stores and delivers it like any client message.',
  })
  @ApiAcceptedResponse({ type: SendMessageResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid body, or a message the pipeline would refuse', DEPENDENCY_UNAVAILABLE: 'The broker is not reachable' })
  send(@Body() dto: SendMessageDto): Promise<SendMessageResponse> {
    return this.messages.send(dto);
  }
}
