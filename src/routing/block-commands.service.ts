import { Injectable, Logger } from '@nestjs/common';
import { AmqpContext } from '@app/amqp-transport';
import { amqpToMqtt, BlockAction, BlockResult, INVALID_TOPIC_PEER, isBlockRefusalCode, parseBlockCommand, RejectionCode, TopicLayout } from '@app/protocol';
import { BlocksService } from '../blocks/blocks.service';
import { DomainError } from '../common/errors';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyService } from '../policy/policy.service';
import { DeliveryPublisher } from './delivery.publisher';
import { describeKey } from './message-refusals';

/**
 * Users block and unblock from their own client: `{prefix}/{me}/blocks/{other}/command` with
 * `{"action":"block"|"unblock"}`. The result is echoed on `{prefix}/{me}/blocks/{other}/result`.
 * The broker only lets a user publish under their own path, so `me` is the publisher.
 * A malformed command is dead-lettered and, when its topic names the user, answered with ok:false.
 */
@Injectable()
export class BlockCommandsService {
  private readonly logger = new Logger(BlockCommandsService.name);

  constructor(
    private readonly topics: TopicLayout,
    private readonly blocks: BlocksService,
    private readonly delivery: DeliveryPublisher,
    private readonly metrics: MetricsService,
    private readonly policy: PolicyService,
  ) {}

  async handle(body: Buffer, ctx: AmqpContext): Promise<void> {
    this.metrics.received.inc({ kind: 'block-command' });
    const mqttTopic = amqpToMqtt(ctx.getRoutingKey());
    const topic = this.topics.parseRoutingKey(ctx.getRoutingKey());
    const publisher = topic?.owner ?? this.topics.ownerOf(mqttTopic);
    // Commands count against the publisher's message rate, like messages (refused ones too).
    const limited = publisher ? this.policy.admit(publisher) : null;
    if (limited) {
      this.logger.warn({ user_id: publisher, code: limited.code }, 'block command refused');
      return this.answer(publisher!, topic?.peer ?? INVALID_TOPIC_PEER, undefined, { ok: false, code: limited.code, reason: limited.reason });
    }
    if (!topic || topic.kind !== 'block-command') {
      return this.malformed(ctx, publisher, INVALID_TOPIC_PEER, RejectionCode.INVALID_TOPIC, `not a valid block command topic: ${describeKey(ctx.getRoutingKey())}`);
    }
    const { owner: me, peer: other } = topic;
    const command = parseBlockCommand(body);
    if (!command.ok) return this.malformed(ctx, me, other, command.code, command.reason);

    const { action } = command.value;
    try {
      if (action === 'block') await this.blocks.block(me, other);
      else await this.blocks.unblock(me, other);
    } catch (err) {
      // Domain errors a user can be told about; any other failure is retried (the broker redelivers).
      if (!(err instanceof DomainError && isBlockRefusalCode(err.code))) throw err;
      this.logger.warn({ blocker: me, blocked: other, action, code: err.code, reason: err.message }, 'block command refused');
      return this.answer(me, other, action, { ok: false, code: err.code, reason: err.message });
    }
    return this.answer(me, other, action, { ok: true });
  }

  private async malformed(
    ctx: AmqpContext,
    owner: string | null,
    peer: string,
    code: RejectionCode,
    reason: string,
  ): Promise<void> {
    this.logger.warn({ code, reason, routingKey: describeKey(ctx.getRoutingKey()) }, 'block command refused');
    // The answer goes out once the dead-letter move is confirmed: a retried move answers once.
    ctx.deadLetter(code, reason, async () => {
      if (owner) await this.answer(owner, peer, undefined, { ok: false, code, reason });
    });
  }

  private answer(
    me: string,
    other: string,
    action: BlockAction | undefined,
    outcome: Pick<BlockResult, 'ok' | 'code' | 'reason'>,
  ): Promise<void> {
    const result: BlockResult = { ...(action && { action }), blocker: me, blocked: other, ...outcome, timestamp: Date.now() };
    return this.delivery.publishTo(this.topics.blockResult(me, other), result);
  }
}
