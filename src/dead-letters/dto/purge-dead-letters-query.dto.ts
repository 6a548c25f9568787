import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_PER_CALL } from '../dead-letter-limits';

export class PurgeDeadLettersQueryDto {
  /** Remove at most this many, from the head of the queue; omitted: every message ready in the queue. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PER_CALL)
  limit?: number;
}
