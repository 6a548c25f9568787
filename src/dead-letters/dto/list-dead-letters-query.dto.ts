import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class ListDeadLettersQueryDto {
  // It has a default, so it is optional: the Swagger plugin would mark a property without `?` required.
  /** How many messages to show, from the head of the queue (the oldest first). */
  @ApiPropertyOptional()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;
}
