import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';

/** Query strings are text: `true` / `false` become booleans, anything else fails validation. */
const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListUsersQueryDto extends PageQueryDto {
  /** `true`: only disabled users; `false`: only enabled ones; omitted: all. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  disabled?: boolean;
}
