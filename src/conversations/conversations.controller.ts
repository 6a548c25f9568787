import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/errors';
import { adminPath, UserIdPipe } from '../common/http';
import { PageQueryDto } from '../common/pagination';
import { ConversationsService } from './conversations.service';
import { ConversationPageResponse } from './dto/conversation.response';

@ApiTags('conversations')
@Controller(adminPath('users/:userId/conversations'))
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  @Get()
  @ApiOperation({ summary: "A user's conversations, most recent first (cursor pagination)" })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id, limit or cursor' })
  list(@Param('userId', UserIdPipe) userId: string, @Query() query: PageQueryDto): Promise<ConversationPageResponse> {
    return this.conversations.list(userId, query.limit, query.cursor);
  }
}
