import { Injectable, Logger } from '@nestjs/common';
import { AmqpContext } from '@app/amqp-transport';
import { amqpToMqtt, INVALID_TOPIC_PEER, newMessageId, parseOutgoing, RejectionCode, TopicLayout } from '@app/protocol';
import { AppConfig } from '../config';
import { dedupeKey, MessageRecord, pairKey } from '../messages/message.record';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyRefusal, PolicyService } from '../policy/policy.service';
import { StoreAndDeliver } from './store-and-deliver';
import { describeKey, Refusals } from './refusals';
import { retryWhileLive } from './retry';

/**
 * The path of one outgoing message: topic -> payload -> policy -> store and deliver (batched).
 * A refused message is reported to its sender on `clientrejected` (or, refused silently, gets a
 * sent copy that leads nowhere); one that can never succeed (malformed, invalid) also goes to the
 * dead-letter queue. The sender and recipient always come from the topic, which the broker only
 * lets the sender publish to.
 */
@Injectable()
export class OutgoingMessageHandler {
  private readonly logger = new Logger(OutgoingMessageHandler.name);

  constructor(
    private readonly config: AppConfig,
    private readonly topics: TopicLayout,
    private readonly policy: PolicyService,
    private readonly batcher: StoreAndDeliver,
    private readonly refusals: Refusals,
    private readonly metrics: MetricsService,
  ) {}

  async handleOutgoing(body: Buffer, ctx: AmqpContext): Promise<void> {
    const receivedAt = Date.now();
    this.metrics.received.inc({ kind: 'outgoing' });
    if (ctx.isRedelivered()) this.metrics.redelivered.inc();

    const topic = this.topics.parseRoutingKey(ctx.getRoutingKey());
    if (!topic || topic.kind !== 'outgoing') {
      const sender = this.topics.ownerOf(amqpToMqtt(ctx.getRoutingKey()));
      const users = sender ? { sender, recipient: INVALID_TOPIC_PEER } : null;
      const limited = sender ? this.policy.admit(sender) : null;
      if (limited) return this.refusals.refuse(ctx, users, limited.code, limited.reason);
      return this.refusals.refuse(ctx, users, RejectionCode.INVALID_TOPIC, `not a valid outgoing topic: ${describeKey(ctx.getRoutingKey())}`);
    }
    const { owner: sender, peer: recipient } = topic;
    const users = { sender, recipient };
    const parsed = parseOutgoing(body, this.config.pipeline.maxPayloadBytes);
    // Every message counts against the sender's rate, refused ones too.
    const limited = this.policy.admit(sender);
    const clientMessageId = parsed.ok ? parsed.value.client_message_id : parsed.clientMessageId;
    if (limited) return this.refusals.refuse(ctx, users, limited.code, limited.reason, clientMessageId);
    if (!parsed.ok) return this.refusals.refuse(ctx, users, parsed.code, parsed.reason, clientMessageId);
    const payload = parsed.value;

    const refusal = await this.checkPolicy(sender, recipient, ctx);
    if (refusal?.silent) return this.refusals.pretendSent(ctx, users, payload, refusal.code, refusal.reason);
    if (refusal) return this.refusals.refuse(ctx, users, refusal.code, refusal.reason, clientMessageId);

    const messageId = newMessageId(receivedAt);
    const record: MessageRecord = {
      _id: messageId,
      app_id: this.config.appId,
      pair: pairKey(sender, recipient),
      sender,
      recipient,
      dedupe_key: dedupeKey(sender, clientMessageId, messageId),
      timestamp: receivedAt,
      ...payload,
    };
    // A registered sender is named by the engine, never by what the client typed.
    const registeredName = await this.policy.displayName(sender);
    if (registeredName !== undefined) record.sender_fullname = registeredName;
    const outcome = await this.batcher.submit({
      record,
      deliveryTag: ctx.getDeliveryTag(),
      isActive: () => ctx.isActive(),
      receivedAt,
    });
    if (outcome === 'abandoned') throw new Error('message not processed (shutting down or channel lost)');
    if (typeof outcome === 'object') {
      return this.refusals.refuse(ctx, users, RejectionCode.UNPROCESSABLE, outcome.unprocessable, clientMessageId);
    }
    if (outcome === 'duplicate') this.metrics.duplicates.inc();
    else this.metrics.delivered.inc();
  }

  /**
   * The policy reads the database on a cache miss, so during a database outage it fails first.
   * The message is held and the check retried with backoff, like the batch step, rather than
   * requeued in a loop; given up only when its channel is gone (the broker redelivers it).
   */
  private async checkPolicy(sender: string, recipient: string, ctx: AmqpContext): Promise<PolicyRefusal | null> {
    const checked = await retryWhileLive(() => this.policy.checkMessage(sender, recipient), {
      operation: 'read_policy',
      logger: this.logger,
      live: () => ctx.isActive(),
      onFailure: () => this.metrics.dbErrors.inc({ operation: 'read_policy' }),
    });
    if (!checked.ok) throw checked.lastError;
    return checked.value;
  }
}

