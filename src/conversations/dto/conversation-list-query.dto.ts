import { PageQueryDto } from '../../common/pagination';
import { QueryBoolean } from '../../common/validation';

export class ConversationListQueryDto extends PageQueryDto {
  /** `true`: only the archived conversations; `false` or omitted: the others. */
  @QueryBoolean()
  archived?: boolean;
}
