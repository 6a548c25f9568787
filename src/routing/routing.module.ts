import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations/conversations.module';
import { MessagesModule } from '../messages/messages.module';
import { PolicyModule } from '../policy/policy.module';
import { DeliveryPublisher } from './delivery.publisher';
import { MessageBatcher } from './message-batcher';
import { RoutingController } from './routing.controller';
import { RoutingService } from './routing.service';

@Module({
  imports: [MessagesModule, ConversationsModule, PolicyModule],
  controllers: [RoutingController],
  providers: [RoutingService, MessageBatcher, DeliveryPublisher],
  exports: [DeliveryPublisher],
})
export class RoutingModule {}
