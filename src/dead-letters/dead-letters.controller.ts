import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/errors';
import { adminPath } from '../common/http';
import { DeadLettersService } from './dead-letters.service';
import { DeadLetterListResponse, PurgeDeadLettersResponse, ReplayDeadLettersResponse } from './dto/dead-letter.response';
import { ListDeadLettersQueryDto } from './dto/list-dead-letters-query.dto';
import { PurgeDeadLettersQueryDto } from './dto/purge-dead-letters-query.dto';
import { ReplayDeadLettersDto } from './dto/replay-dead-letters.dto';

const BROKER_DOWN = 'The broker is not connected or does not answer';

@ApiTags('dead-letters')
@Controller(adminPath('dead-letters'))
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @ApiOperation({
    summary: 'Inspect the dead-letter queue: its depth and the oldest messages, with why each was refused',
    description: 'Nothing is removed: the messages are read and handed back, and carry the redelivered flag from then on.',
  })
  @ApiOkResponse({ type: DeadLetterListResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid limit', DEPENDENCY_UNAVAILABLE: BROKER_DOWN })
  list(@Query() query: ListDeadLettersQueryDto): Promise<DeadLetterListResponse> {
    return this.deadLetters.list(query.limit);
  }

  @Post('replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send dead letters back to the engine (oldest first), e.g. once the cause is fixed',
    description:
      'Each is published again with its original routing key, broker-confirmed, then removed from the dead-letter queue (at least once). ' +
      'One that still cannot succeed is dead-lettered again, with a fresh reason and x-replay-count one higher. ' +
      'One that cannot be published as it is (its exchange no longer exists, its routing key is unusable, no queue would receive it) ' +
      'stays in the queue; the call moves on past it and names it in `left` with why.',
  })
  @ApiOkResponse({ type: ReplayDeadLettersResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid body', DEPENDENCY_UNAVAILABLE: BROKER_DOWN })
  replay(@Body() dto: ReplayDeadLettersDto): Promise<ReplayDeadLettersResponse> {
    return this.deadLetters.replay(dto.limit);
  }

  @Delete()
  @ApiOperation({ summary: 'Remove dead letters for good: all, or the oldest `limit`' })
  @ApiOkResponse({ type: PurgeDeadLettersResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid limit', DEPENDENCY_UNAVAILABLE: BROKER_DOWN })
  purge(@Query() query: PurgeDeadLettersQueryDto): Promise<PurgeDeadLettersResponse> {
    return this.deadLetters.purge(query.limit);
  }
}
