import { Injectable, Logger } from '@nestjs/common';
import { amqpToMqtt, INVALID_TOPIC_PEER, isGroupId, newMessageId, OutgoingMessage, pairKey, parseOutgoing, RejectionCode, TopicLayout } from '@app/protocol';
import { AppConfig } from '../config';
import { dedupeKey, MessageRecord } from '../messages/message.record';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyRefusal, PolicyService } from '../policy/policy.service';
import { ACCEPTED, Delivery, Outcome } from './outcome';
import { describeKey, MessageUsers, Refusals } from './refusals';
import { retryWhileLive } from './retry';
import { StoreAndDeliver } from './store-and-deliver';

/**
 * The path of one outgoing message: topic -> payload -> policy -> store and deliver (batched),
 * ending in an outcome for the door. A refused message is reported to its sender on
 * `clientrejected` (or, refused silently, gets a sent copy that leads nowhere); one that can
 * never succeed (malformed, invalid) also goes to the dead-letter queue. The sender and recipient
 * always come from the topic, which the broker only lets the sender publish to.
 */
@Injectable()
export class OutgoingMessageHandler {
  private readonly logger = new Logger(OutgoingMessageHandler.name);

  constructor(
    private readonly config: AppConfig,
    private readonly topics: TopicLayout,
    private readonly policy: PolicyService,
    private readonly store: StoreAndDeliver,
    private readonly refusals: Refusals,
    private readonly metrics: MetricsService,
  ) {}

  async handle(message: Delivery): Promise<Outcome> {
    const receivedAt = Date.now();
    this.metrics.received.inc({ kind: 'outgoing' });
    if (message.redelivered) this.metrics.redelivered.inc();

    const topic = this.topics.parseRoutingKey(message.routingKey);
    if (!topic || topic.kind !== 'outgoing') {
      const sender = this.topics.ownerOf(amqpToMqtt(message.routingKey));
      const users = sender ? { sender, recipient: INVALID_TOPIC_PEER } : null;
      const limited = sender ? this.policy.admit(sender) : null;
      if (limited) return this.refusals.refuse(message, users, limited.code, limited.reason);
      return this.refusals.refuse(message, users, RejectionCode.INVALID_TOPIC, `not a valid outgoing topic: ${describeKey(message.routingKey)}`);
    }
    const { owner: sender, peer: recipient } = topic;
    const users = { sender, recipient };
    const parsed = parseOutgoing(message.body, this.config.pipeline.maxPayloadBytes);
    // Every message counts against the sender's rate, refused ones too.
    const limited = this.policy.admit(sender);
    const clientMessageId = parsed.ok ? parsed.value.client_message_id : parsed.clientMessageId;
    if (limited) return this.refusals.refuse(message, users, limited.code, limited.reason, clientMessageId);
    if (!parsed.ok) return this.refusals.refuse(message, users, parsed.code, parsed.reason, clientMessageId);

    // The id is made here, before the first wait (a message refused above needs none), so ids
    // follow the delivery order: a conversation's history (sorted by id) reads as it was
    // delivered, whichever policy read finishes first.
    const messageId = newMessageId(receivedAt);

    // The policy reads the database on a cache miss, so during a database outage it fails first:
    // the message is held and the check retried, given up only when its channel is gone.
    // The sender's registered name comes from the state the check has just cached.
    const group = isGroupId(recipient);
    const readPolicy = async () => ({ ...(await this.readPolicy(sender, recipient, group)), senderName: await this.policy.displayName(sender) });
    const policyStarted = performance.now();
    const checked = await retryWhileLive(readPolicy, {
      operation: 'read_policy',
      logger: this.logger,
      live: message.isLive,
      onFailure: () => this.metrics.dbErrors.inc({ operation: 'read_policy' }),
    });
    this.metrics.stage.observe({ stage: 'policy' }, (performance.now() - policyStarted) / 1000);
    if (!checked.ok) return { kind: 'retry', reason: 'policy not read (channel lost)', cause: checked.lastError };
    const { refusal, audience, senderName } = checked.value;
    if (refusal && !refusal.silent) return this.refusals.refuse(message, users, refusal.code, refusal.reason, clientMessageId);

    const record = this.recordOf(messageId, users, parsed.value, receivedAt, senderName, group);
    if (refusal) return this.refusals.pretendSent(message, record, refusal.code, refusal.reason);
    const stored = await this.store.submit({ record, audience, order: message.order, isLive: message.isLive, receivedAt });
    if (stored === 'abandoned') return { kind: 'retry', reason: 'message not processed (shutting down or channel lost)' };
    if (typeof stored === 'object') {
      return this.refusals.refuse(message, users, RejectionCode.UNPROCESSABLE, stored.unprocessable, clientMessageId);
    }
    if (stored === 'duplicate') this.metrics.duplicates.inc();
    else this.metrics.delivered.inc();
    return ACCEPTED;
  }

  /** A direct message's refusal, if any; a group message's refusal or its audience (the members). */
  private async readPolicy(sender: string, recipient: string, group: boolean): Promise<{ refusal: PolicyRefusal | null; audience?: string[] }> {
    if (!group) return { refusal: await this.policy.checkMessage(sender, recipient) };
    const checked = await this.policy.checkGroupMessage(sender, recipient);
    return 'members' in checked ? { refusal: null, audience: [...checked.members.keys()] } : { refusal: checked };
  }

  /** The message as stored, with its engine-assigned id and time. */
  private recordOf(
    messageId: string,
    { sender, recipient }: MessageUsers,
    payload: OutgoingMessage,
    receivedAt: number,
    registeredName: string | undefined,
    group: boolean,
  ): MessageRecord {
    const record: MessageRecord = {
      _id: messageId,
      app_id: this.config.appId,
      pair: group ? recipient : pairKey(sender, recipient),
      ...(group && { channel_type: 'group' as const }),
      sender,
      recipient,
      dedupe_key: dedupeKey(sender, payload.client_message_id, messageId),
      timestamp: receivedAt,
      ...payload,
    };
    // A registered sender is named by the engine, never by what the client typed.
    if (registeredName !== undefined) record.sender_fullname = registeredName;
    return record;
  }
}
