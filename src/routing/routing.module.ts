import { Module } from '@nestjs/common';
import { BlocksModule } from '../blocks/blocks.module';
import { ConversationsModule } from '../conversations/conversations.module';
import { MessagesModule } from '../messages/messages.module';
import { PolicyModule } from '../policy/policy.module';
import { BlockCommandsService } from './block-commands.service';
import { DeliveryPublisher } from './delivery.publisher';
import { MessageBatcher } from './message-batcher';
import { MessageRefusals } from './message-refusals';
import { RoutingController } from './routing.controller';
import { RoutingService } from './routing.service';
import { UndeliverableMessages } from './undeliverable-messages';

@Module({
  imports: [MessagesModule, ConversationsModule, PolicyModule, BlocksModule],
  controllers: [RoutingController],
  providers: [RoutingService, MessageRefusals, BlockCommandsService, MessageBatcher, DeliveryPublisher, UndeliverableMessages],
  exports: [DeliveryPublisher],
})
export class RoutingModule {}
