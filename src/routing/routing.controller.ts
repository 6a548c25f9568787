import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { AmqpContext } from '@app/amqp-transport';
import { BlockCommandsService } from './block-commands.service';
import { RoutingService } from './routing.service';

/**
 * The pipeline's doors: handlers for the routing keys the engine consumes. `{prefix}` is
 * PATH_PREFIX in AMQP form. The outgoing pattern is wide on purpose (`#`): a message on a
 * malformed outgoing topic reaches the engine and is refused with INVALID_TOPIC instead of being
 * dropped silently by the exchange.
 */
@Controller()
export class RoutingController {
  constructor(
    private readonly routing: RoutingService,
    private readonly blockCommands: BlockCommandsService,
  ) {}

  @EventPattern('{prefix}.#.outgoing')
  onOutgoing(@Payload() body: Buffer, @Ctx() ctx: AmqpContext): Promise<void> {
    return this.routing.handleOutgoing(body, ctx);
  }

  @EventPattern('{prefix}.*.blocks.*.command')
  onBlockCommand(@Payload() body: Buffer, @Ctx() ctx: AmqpContext): Promise<void> {
    return this.blockCommands.handle(body, ctx);
  }
}
