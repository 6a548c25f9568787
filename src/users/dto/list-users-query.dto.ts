import { PageQueryDto } from '../../common/pagination';
import { QueryBoolean } from '../../common/validation';

export class ListUsersQueryDto extends PageQueryDto {
  /** `true`: only disabled users; `false`: only enabled ones; omitted: all. */
  @QueryBoolean()
  disabled?: boolean;
}
