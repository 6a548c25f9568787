import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { isMessageId } from '@app/protocol';
import { ApiErrorResponses, DomainError, ErrorCode } from '../common/errors';
import { adminPath, GroupIdPipe } from '../common/http';
import { AppConfig } from '../config';
import { GroupsService } from '../groups/groups.service';
import { MessagesRepository } from '../messages/messages.repository';
import { GroupReceiptsResponse } from './dto/group-receipts.response';
import { ReadStateRepository } from './read-state.repository';

@ApiTags('receipts')
@Controller()
export class ReceiptsController {
  constructor(
    private readonly config: AppConfig,
    private readonly groups: GroupsService,
    private readonly messages: MessagesRepository,
    private readonly readStates: ReadStateRepository,
  ) {}

  @Get(adminPath('groups/:groupId/messages/:messageId/receipts'))
  @ApiOperation({ summary: "Who in a group received and read a message (from each member's positions; docs/receipts.md)" })
  @ApiOkResponse({ type: GroupReceiptsResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid group id', GROUP_NOT_FOUND: 'No such group', MESSAGE_NOT_FOUND: 'No such message in this group' })
  async groupReceipts(@Param('groupId', GroupIdPipe) groupId: string, @Param('messageId') messageId: string): Promise<GroupReceiptsResponse> {
    const group = await this.groups.get(groupId);
    const [message] = isMessageId(messageId) ? await this.messages.byIds([messageId]) : [];
    if (!message || message.app_id !== this.config.appId || message.pair !== groupId) {
      throw new DomainError(ErrorCode.MESSAGE_NOT_FOUND, `no message ${String(messageId).slice(0, 80)} in group ${groupId}`);
    }
    const positions = new Map((await this.readStates.inConversation(groupId)).map((s) => [s.owner, s]));
    const result: GroupReceiptsResponse = { message_id: messageId, delivered: [], read: [], pending: [] };
    for (const { user_id } of group.members) {
      if (user_id === message.sender) continue;
      const p = positions.get(user_id);
      if (p?.read_up_to && p.read_up_to >= messageId) result.read.push(user_id);
      else if (p?.delivered_up_to && p.delivered_up_to >= messageId) result.delivered.push(user_id);
      else result.pending.push(user_id);
    }
    return result;
  }
}
