import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/errors';
import { adminPath, MessageIdPipe } from '../common/http';
import { MessageEditsService } from './message-edits.service';

@ApiTags('messages')
@Controller(adminPath('messages'))
export class MessageEditsController {
  constructor(private readonly edits: MessageEditsService) {}

  @Delete(':messageId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete any message (moderation)',
    description:
      'No time window and any sender. Its text is emptied and its attributes and metadata removed from storage; it keeps its id and gets `deleted_at`. ' +
      'Both parties (or every current member of its group) get `.../messages/{messageId}/clientdeleted`, and the conversation summaries whose last message it is follow. ' +
      'Deleting a deleted message answers 204 again and tells everyone again.',
  })
  @ApiNoContentResponse({ description: 'Deleted (or deleted already)' })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Not a message id', MESSAGE_NOT_FOUND: 'No such message', DEPENDENCY_UNAVAILABLE: 'The database or the broker is not reachable' })
  async delete(@Param('messageId', MessageIdPipe) messageId: string): Promise<void> {
    await this.edits.update(messageId, { deleted: true }, { kind: 'admin' });
  }
}
