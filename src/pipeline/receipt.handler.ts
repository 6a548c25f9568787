import { Injectable, Logger } from '@nestjs/common';
import { isGroupId, parseReceipt, ReceiptResult, ReceiptResultCode, RejectionCode, TopicLayout } from '@app/protocol';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyService } from '../policy/policy.service';
import { ReceiptsService } from '../receipts/receipts.service';
import { takeCommand } from './command-intake';
import { ACCEPTED, Delivery, Outcome } from './outcome';
import { describeKey } from './refusals';

/**
 * Receipts: `{prefix}/{me}/{peer}/messages/delivered` and `.../read` with `{"message_id"}`
 * (docs/receipts.md). Checked here (rate, topic, body, sender, group membership), then handed to
 * the read positions, which store them coalesced and tell who needs to know; acked once stored.
 * A refusal is answered on `{prefix}/{me}/{peer}/messages/receipts/result`.
 */
@Injectable()
export class ReceiptHandler {
  private readonly logger = new Logger(ReceiptHandler.name);

  constructor(
    private readonly topics: TopicLayout,
    private readonly receipts: ReceiptsService,
    private readonly delivery: DeliveryPublisher,
    private readonly metrics: MetricsService,
    private readonly policy: PolicyService,
  ) {}

  async handle(message: Delivery, kind: 'delivered' | 'read'): Promise<Outcome> {
    this.metrics.received.inc({ kind: `receipt-${kind}` });
    const { topic, publisher, limited } = takeCommand(message, kind, this.topics, this.policy);
    if (limited) {
      const { code, reason } = limited;
      return { kind: 'refused', code, reason, notice: topic ? () => this.answer(topic.owner, topic.peer, kind, undefined, code, reason) : undefined };
    }
    if (!topic) {
      const reason = `not a valid receipt topic: ${describeKey(message.routingKey)}`;
      this.logger.warn({ user_id: publisher, routingKey: describeKey(message.routingKey) }, 'receipt refused');
      return { kind: 'dead-letter', code: RejectionCode.INVALID_TOPIC, reason };
    }
    const { owner, peer } = topic;
    const parsed = parseReceipt(message.body);
    if (!parsed.ok) {
      this.logger.warn({ user_id: owner, code: parsed.code, reason: parsed.reason }, 'receipt refused');
      const notice = () => this.answer(owner, peer, kind, undefined, parsed.code, parsed.reason);
      // A body that can never be read is set aside; a field that breaks a rule is only answered.
      if (parsed.code === RejectionCode.INVALID_PAYLOAD || parsed.code === RejectionCode.PAYLOAD_TOO_LARGE) return { kind: 'dead-letter', code: parsed.code, reason: parsed.reason, notice };
      await notice();
      return ACCEPTED;
    }
    const messageId = parsed.value.message_id;
    const refusal = isGroupId(peer) ? await this.policy.checkGroupMessage(owner, peer).then((r) => ('code' in r ? r : null)) : await this.policy.checkSender(owner);
    if (refusal) {
      const { code, reason } = refusal;
      return { kind: 'refused', code, reason, notice: () => this.answer(owner, peer, kind, messageId, code, reason) };
    }
    // Refusals of a message id not in this conversation are answered by the read positions.
    await this.receipts.record({ owner, peer, kind, messageId, order: message.order });
    return ACCEPTED;
  }

  private answer(owner: string, peer: string, receipt: 'delivered' | 'read', messageId: string | undefined, code: ReceiptResultCode, reason: string): Promise<void> {
    const result: ReceiptResult = { receipt, ...(messageId && { message_id: messageId }), ok: false, code, reason, timestamp: Date.now() };
    return this.delivery.publishTo(this.topics.receiptsResult(owner, peer), result);
  }
}
