import { Module } from '@nestjs/common';
import { BlocksModule } from '../blocks/blocks.module';
import { UsersModule } from '../users/users.module';
import { PolicyService } from './policy.service';

@Module({ imports: [UsersModule, BlocksModule], providers: [PolicyService], exports: [PolicyService] })
export class PolicyModule {}
