import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { DeliveryPublisher } from './delivery.publisher';
import { Message, MessageSchema } from './message.schema';
import { MessagesController } from './messages.controller';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';
import { ReadStatesModule } from '../receipts/read-states.module';

@Module({
  imports: [MongooseModule.forFeature([{ name: Message.name, schema: MessageSchema }]), ReadStatesModule],
  controllers: [MessagesController],
  providers: [MessagesRepository, MessagesService, DeliveryPublisher],
  exports: [MessagesRepository, MessagesService, DeliveryPublisher],
})
export class MessagesModule {}
