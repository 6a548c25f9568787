import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { PolicyEventsModule } from '../policy/events';
import { UsersModule } from '../users/users.module';
import { Block, BlockSchema } from './block.schema';
import { BlocksController } from './blocks.controller';
import { BlocksRepository } from './blocks.repository';
import { BlocksService } from './blocks.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: Block.name, schema: BlockSchema }]), PolicyEventsModule, UsersModule],
  controllers: [BlocksController],
  providers: [BlocksRepository, BlocksService],
  exports: [BlocksService, BlocksRepository],
})
export class BlocksModule {}
