import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { isMessageId } from '@app/protocol';
import { PageQueryDto } from '../../common/pagination';
import { Satisfies } from '../../common/validation';

export class HistoryQueryDto extends PageQueryDto {
  // It has a default, so it is optional: the Swagger plugin would mark a property without `?` required.
  /** `asc`: oldest first (the default); `desc`: newest first. The cursor continues in the same direction. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'asc';

  /**
   * A message id: the page centred on that message (it, (limit - 1) / 2 older ones and newer ones
   * for the rest, the other side filling in near an end, in `order`), with `prev_cursor` to page the
   * other way (as `cursor`, with the opposite `order`). Not with `cursor`.
   */
  @IsOptional()
  @Satisfies((v) => (isMessageId(v) ? null : 'around must be a message id (26 characters of Crockford base32)'))
  around?: string;
}
