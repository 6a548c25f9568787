import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_PER_CALL } from '../dead-letter-limits';

export class ReplayDeadLettersDto {
  /** At most this many, from the head of the queue; omitted: every message in the queue when the call starts (at most 10,000). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PER_CALL)
  limit?: number;
}
