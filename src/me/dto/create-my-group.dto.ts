import { OmitType } from '@nestjs/swagger';
import { CreateGroupDto } from '../../groups/dto/group.dto';

/** A group I create: I am its owner, the engine makes its id. */
export class CreateMyGroupDto extends OmitType(CreateGroupDto, ['group_id', 'owner'] as const) {}
