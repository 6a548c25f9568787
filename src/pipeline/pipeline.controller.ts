import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { AmqpContext } from '@app/amqp-transport';
import { BlockCommandHandler } from './block-command.handler';
import { ConversationCommandHandler } from './conversation-command.handler';
import { GroupCommandHandler } from './group-command.handler';
import { MessageUpdateHandler } from './message-update.handler';
import { OutgoingMessageHandler } from './outgoing-message.handler';
import { TypingHandler } from './typing.handler';
import { Delivery, Outcome } from './outcome';
import { ReceiptHandler } from './receipt.handler';

/**
 * The pipeline's door, and the only part of it that touches the transport: it hands each
 * handler the message as plain values and applies the outcome the handler decides (ack,
 * dead-letter, redeliver). `{prefix}` is PATH_PREFIX in AMQP form. The outgoing pattern is wide
 * on purpose (`#`): a message on a malformed outgoing topic reaches the engine and is refused with
 * INVALID_TOPIC instead of being dropped silently by the exchange.
 */
@Controller()
export class PipelineController {
  constructor(
    private readonly outgoing: OutgoingMessageHandler,
    private readonly blockCommands: BlockCommandHandler,
    private readonly groupCommands: GroupCommandHandler,
    private readonly receipts: ReceiptHandler,
    private readonly typing: TypingHandler,
    private readonly conversationCommands: ConversationCommandHandler,
    private readonly messageUpdates: MessageUpdateHandler,
  ) {}

  @EventPattern('{prefix}.#.outgoing')
  async onOutgoing(@Payload() body: Buffer, @Ctx() ctx: AmqpContext): Promise<void> {
    return applyOutcome(ctx, await this.outgoing.handle(deliveryOf(body, ctx)));
  }

  @EventPattern('{prefix}.*.blocks.*.command')
  async onBlockCommand(@Payload() body: Buffer, @Ctx() ctx: AmqpContext): Promise<void> {
    return applyOutcome(ctx, await this.blockCommands.handle(deliveryOf(body, ctx)));
  }

  @EventPattern('{prefix}.*.groups.*.command')
  async onGroupCommand(@Payload() body: Buffer, @Ctx() ctx: AmqpContext): Promise<void> {
    return applyOutcome(ctx, await this.groupCommands.handle(deliveryOf(body, ctx)));
  }

  @EventPattern('{prefix}.*.*.messages.delivered')
  async onDelivered(@Payload() body: Buffer, @Ctx() ctx: AmqpContext): Promise<void> {
    return applyOutcome(ctx, await this.receipts.handle(deliveryOf(body, ctx), 'delivered'));
  }

  @EventPattern('{prefix}.*.*.messages.read')
  async onRead(@Payload() body: Buffer, @Ctx() ctx: AmqpContext): Promise<void> {
    return applyOutcome(ctx, await this.receipts.handle(deliveryOf(body, ctx), 'read'));
  }

  /** Fire-and-forget: the handler always acks (docs/receipts.md#typing). */
  @EventPattern('{prefix}.*.*.typing')
  async onTyping(@Payload() body: Buffer, @Ctx() ctx: AmqpContext): Promise<void> {
    return applyOutcome(ctx, await this.typing.handle(deliveryOf(body, ctx)));
  }

  @EventPattern('{prefix}.*.conversations.*.archive')
  async onArchive(@Payload() body: Buffer, @Ctx() ctx: AmqpContext): Promise<void> {
    return applyOutcome(ctx, await this.conversationCommands.handle(deliveryOf(body, ctx), 'archive'));
  }

  @EventPattern('{prefix}.*.conversations.*.unarchive')
  async onUnarchive(@Payload() body: Buffer, @Ctx() ctx: AmqpContext): Promise<void> {
    return applyOutcome(ctx, await this.conversationCommands.handle(deliveryOf(body, ctx), 'unarchive'));
  }

  @EventPattern('{prefix}.*.*.messages.*.update')
  async onMessageUpdate(@Payload() body: Buffer, @Ctx() ctx: AmqpContext): Promise<void> {
    return applyOutcome(ctx, await this.messageUpdates.handle(deliveryOf(body, ctx)));
  }
}

export function deliveryOf(body: Buffer, ctx: AmqpContext): Delivery {
  return {
    routingKey: ctx.getRoutingKey(),
    body,
    redelivered: ctx.isRedelivered(),
    isLive: () => ctx.isActive(),
    order: ctx.getDeliveryTag(),
  };
}

/**
 * The transport acks when this resolves, requeues (after a backoff) when it throws, and moves the
 * message to the dead-letter queue when it was marked so (running the notice once that is confirmed).
 */
export async function applyOutcome(ctx: AmqpContext, outcome: Outcome): Promise<void> {
  switch (outcome.kind) {
    case 'accepted':
      return;
    case 'refused':
      await outcome.notice?.();
      return;
    case 'dead-letter':
      ctx.deadLetter(outcome.code, outcome.reason, outcome.notice);
      return;
    case 'retry':
      throw outcome.cause ?? new Error(outcome.reason);
  }
}
