import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module';
import { PolicyModule } from '../policy/policy.module';
import { TypingRelay } from './typing-relay';

/** Typing indicators (docs/receipts.md#typing): relayed, never stored. The pipeline's typing handler is its door. */
@Module({
  imports: [MessagesModule, PolicyModule],
  providers: [TypingRelay],
  exports: [TypingRelay],
})
export class TypingModule {}
