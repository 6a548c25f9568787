import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrorResponses } from '../common/errors';
import { adminPath, UserIdPipe } from '../common/http';
import { NOT_ANNOUNCED_DESCRIPTION } from '../policy/events';
import { PageQueryDto } from '../common/pagination';
import { BlockPageResponse, BlockResponse, BlockStatusResponse } from './dto/block.response';
import { CreateBlockDto } from './dto/create-block.dto';
import { BlocksService } from './blocks.service';

const LOCATION = { Location: { description: 'URL of the created block', schema: { type: 'string' } } };
const UNKNOWN_USER = 'A user is not registered (only with REQUIRE_REGISTERED_RECIPIENTS)';

@ApiTags('blocks')
@Controller(adminPath('users/:userId'))
export class BlocksController {
  constructor(private readonly blocks: BlocksService) {}

  @Put('blocks/:blockedId')
  @ApiOperation({
    summary: 'Block: messages between the two users are refused both ways (idempotent)',
    description: 'Every engine instance applies it to the next message.',
  })
  @ApiCreatedResponse({ type: BlockResponse, description: 'Blocked', headers: LOCATION })
  @ApiOkResponse({ type: BlockResponse, description: 'Was blocked already (the first block is kept)' })
  @ApiErrorResponses({
    VALIDATION_FAILED: 'Invalid user id or body, or a user blocking themselves',
    USER_NOT_FOUND: UNKNOWN_USER,
    DEPENDENCY_UNAVAILABLE: NOT_ANNOUNCED_DESCRIPTION,
  })
  async block(
    @Param('userId', UserIdPipe) userId: string,
    @Param('blockedId', UserIdPipe) blockedId: string,
    @Body() dto: CreateBlockDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<BlockResponse> {
    const { block, created } = await this.blocks.block(userId, blockedId, dto.reason);
    if (created) res.status(201).location(`/${adminPath(`users/${userId}/blocks/${blockedId}`)}`);
    return block;
  }

  @Delete('blocks/:blockedId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unblock (idempotent: also 204 when there was no block)' })
  @ApiNoContentResponse({ description: 'Not blocked (any more)' })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id', DEPENDENCY_UNAVAILABLE: NOT_ANNOUNCED_DESCRIPTION })
  async unblock(@Param('userId', UserIdPipe) userId: string, @Param('blockedId', UserIdPipe) blockedId: string): Promise<void> {
    await this.blocks.unblock(userId, blockedId);
  }

  @Get('blocks')
  @ApiOperation({ summary: 'Whom the user blocks, in id order (cursor pagination)' })
  @ApiOkResponse({ type: BlockPageResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id, limit or cursor', USER_NOT_FOUND: UNKNOWN_USER })
  list(@Param('userId', UserIdPipe) userId: string, @Query() query: PageQueryDto): Promise<BlockPageResponse> {
    return this.blocks.list(userId, query);
  }

  @Get('blocks/:blockedId')
  @ApiOperation({ summary: "One of the user's blocks" })
  @ApiOkResponse({ type: BlockResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id', NOT_FOUND: 'The user does not block the other', USER_NOT_FOUND: UNKNOWN_USER })
  get(@Param('userId', UserIdPipe) userId: string, @Param('blockedId', UserIdPipe) blockedId: string): Promise<BlockResponse> {
    return this.blocks.get(userId, blockedId);
  }

  @Get('block-status/:peerId')
  @ApiOperation({ summary: 'Whether the two users are blocked either way, and who blocks whom' })
  @ApiOkResponse({ type: BlockStatusResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id', USER_NOT_FOUND: UNKNOWN_USER })
  status(@Param('userId', UserIdPipe) userId: string, @Param('peerId', UserIdPipe) peerId: string): Promise<BlockStatusResponse> {
    return this.blocks.status(userId, peerId);
  }
}
