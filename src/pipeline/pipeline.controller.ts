import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { AmqpContext } from '@app/amqp-transport';
import { BlockCommandHandler } from './block-command.handler';
import { OutgoingMessageHandler } from './outgoing-message.handler';

/**
 * The pipeline's doors: handlers for the routing keys the engine consumes. `{prefix}` is
 * PATH_PREFIX in AMQP form. The outgoing pattern is wide on purpose (`#`): a message on a
 * malformed outgoing topic reaches the engine and is refused with INVALID_TOPIC instead of being
 * dropped silently by the exchange.
 */
@Controller()
export class PipelineController {
  constructor(
    private readonly outgoing: OutgoingMessageHandler,
    private readonly blockCommands: BlockCommandHandler,
  ) {}

  @EventPattern('{prefix}.#.outgoing')
  onOutgoing(@Payload() body: Buffer, @Ctx() ctx: AmqpContext): Promise<void> {
    return this.outgoing.handleOutgoing(body, ctx);
  }

  @EventPattern('{prefix}.*.blocks.*.command')
  onBlockCommand(@Payload() body: Buffer, @Ctx() ctx: AmqpContext): Promise<void> {
    return this.blockCommands.handle(body, ctx);
  }
}
