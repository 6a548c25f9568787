import { Injectable, Logger } from '@nestjs/common';
import { BlockAction, BlockResult, INVALID_TOPIC_PEER, isBlockRefusalCode, parseBlockCommand, RejectionCode, TopicLayout } from '@app/protocol';
import { BlocksService } from '../blocks/blocks.service';
import { DomainError } from '../common/errors';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyService } from '../policy/policy.service';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { takeCommand } from './command-intake';
import { ACCEPTED, Delivery, Outcome } from './outcome';
import { describeKey } from './refusals';

/**
 * Users block and unblock from their own client: `{prefix}/{me}/blocks/{other}/command` with
 * `{"action":"block"|"unblock"}`. The result is echoed on `{prefix}/{me}/blocks/{other}/result`.
 * The broker only lets a user publish under their own path, so `me` is the publisher.
 * A malformed command is dead-lettered and, when its topic names the user, answered with ok:false.
 */
@Injectable()
export class BlockCommandHandler {
  private readonly logger = new Logger(BlockCommandHandler.name);

  constructor(
    private readonly topics: TopicLayout,
    private readonly blocks: BlocksService,
    private readonly delivery: DeliveryPublisher,
    private readonly metrics: MetricsService,
    private readonly policy: PolicyService,
  ) {}

  async handle(message: Delivery): Promise<Outcome> {
    this.metrics.received.inc({ kind: 'block-command' });
    const { topic, publisher, limited } = takeCommand(message, 'block-command', this.topics, this.policy);
    if (limited) {
      this.logger.warn({ user_id: publisher, code: limited.code }, 'block command refused');
      const { code, reason } = limited;
      return { kind: 'refused', code, reason, notice: () => this.answer(publisher!, topic?.peer ?? INVALID_TOPIC_PEER, undefined, { ok: false, code, reason }) };
    }
    if (!topic) {
      return this.malformed(message, publisher, INVALID_TOPIC_PEER, RejectionCode.INVALID_TOPIC, `not a valid block command topic: ${describeKey(message.routingKey)}`);
    }
    const { owner: me, peer: other } = topic;
    const command = parseBlockCommand(message.body);
    if (!command.ok) return this.malformed(message, me, other, command.code, command.reason);

    const { action } = command.value;
    try {
      if (action === 'block') await this.blocks.block(me, other);
      else await this.blocks.unblock(me, other);
    } catch (err) {
      // Domain errors a user can be told about; any other failure is retried (the broker redelivers).
      if (!(err instanceof DomainError && isBlockRefusalCode(err.code))) throw err;
      this.logger.warn({ blocker: me, blocked: other, action, code: err.code, reason: err.message }, 'block command refused');
      // Answered, and acked: the command was understood and refused (e.g. no such user), not malformed.
      await this.answer(me, other, action, { ok: false, code: err.code, reason: err.message });
      return ACCEPTED;
    }
    await this.answer(me, other, action, { ok: true });
    return ACCEPTED;
  }

  /** A command that can never succeed: dead-lettered, and answered (when its topic names the user) once the move is confirmed. */
  private malformed(message: Delivery, owner: string | null, peer: string, code: RejectionCode, reason: string): Outcome {
    this.logger.warn({ code, reason, routingKey: describeKey(message.routingKey) }, 'block command refused');
    const notice = owner ? () => this.answer(owner, peer, undefined, { ok: false, code, reason }) : undefined;
    return { kind: 'dead-letter', code, reason, notice };
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
