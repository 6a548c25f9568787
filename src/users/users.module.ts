import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { PolicyEventsModule } from '../policy/events';
import { UserDeletionHooks, UserDisableHooks } from './user-hooks';
import { User, UserSchema } from './user.schema';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: User.name, schema: UserSchema }]), PolicyEventsModule],
  controllers: [UsersController],
  providers: [UsersRepository, UsersService, UserDeletionHooks, UserDisableHooks],
  exports: [UsersService, UsersRepository, UserDeletionHooks, UserDisableHooks],
})
export class UsersModule {}
