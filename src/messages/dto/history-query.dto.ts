import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';

export class HistoryQueryDto extends PageQueryDto {
  /** `asc`: oldest first (the default); `desc`: newest first. The cursor continues in the same direction. */
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'asc';
}
