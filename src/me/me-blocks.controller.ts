import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, UserPrincipal, UserRoute } from '../auth';
import { BlockPageResponse, BlockResponse } from '../blocks/dto/block.response';
import { CreateBlockDto } from '../blocks/dto/create-block.dto';
import { BlocksService } from '../blocks/blocks.service';
import { ApiErrorResponses } from '../common/errors';
import { UserIdPipe, userPath } from '../common/http';
import { PageQueryDto } from '../common/pagination';
import { NOT_ANNOUNCED_DESCRIPTION } from '../policy/events';
import { USER_SECURITY } from './user-security';

const LOCATION = { Location: { description: 'URL of the created block', schema: { type: 'string' } } };
const UNKNOWN_USER = 'The user is not registered (only with REQUIRE_REGISTERED_RECIPIENTS)';

@ApiTags('me')
@ApiBearerAuth(USER_SECURITY)
@UserRoute()
@Controller(userPath('blocks'))
export class MeBlocksController {
  constructor(private readonly blocks: BlocksService) {}

  @Get()
  @ApiOperation({ summary: 'Whom I block, in id order (cursor pagination)' })
  @ApiOkResponse({ type: BlockPageResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid limit or cursor' })
  list(@CurrentUser() me: UserPrincipal, @Query() query: PageQueryDto): Promise<BlockPageResponse> {
    return this.blocks.list(me.userId, query);
  }

  @Put(':userId')
  @ApiOperation({ summary: 'Block a user, as a block command would: messages between us are refused both ways, and we see each other offline (idempotent)' })
  @ApiCreatedResponse({ type: BlockResponse, description: 'Blocked', headers: LOCATION })
  @ApiOkResponse({ type: BlockResponse, description: 'Was blocked already (the first block is kept)' })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id or body, or blocking myself', USER_NOT_FOUND: UNKNOWN_USER, DEPENDENCY_UNAVAILABLE: NOT_ANNOUNCED_DESCRIPTION })
  async block(
    @CurrentUser() me: UserPrincipal,
    @Param('userId', UserIdPipe) userId: string,
    @Body() dto: CreateBlockDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<BlockResponse> {
    const { block, created } = await this.blocks.block(me.userId, userId, dto.reason);
    if (created) res.status(201).location(`/${userPath(`blocks/${userId}`)}`);
    return block;
  }

  @Delete(':userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unblock (idempotent: also 204 when there was no block)' })
  @ApiNoContentResponse({ description: 'Not blocked (any more)' })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id', DEPENDENCY_UNAVAILABLE: NOT_ANNOUNCED_DESCRIPTION })
  async unblock(@CurrentUser() me: UserPrincipal, @Param('userId', UserIdPipe) userId: string): Promise<void> {
    await this.blocks.unblock(me.userId, userId);
  }
}
