import { PartialType } from '@nestjs/swagger';
import { PutUserDto } from './put-user.dto';

/** The fields to change (at least one); the others keep their values. */
export class UpdateUserDto extends PartialType(PutUserDto) {}
