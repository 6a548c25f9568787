import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';

export class HistoryQueryDto extends PageQueryDto {
  // It has a default, so it is optional: the Swagger plugin would mark a property without `?` required.
  /** `asc`: oldest first (the default); `desc`: newest first. The cursor continues in the same direction. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'asc';
}
