import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AmqpPublisher, AmqpServer, DEAD_LETTER_HEADERS, UndeliverableHandler } from '@app/amqp-transport';
import { amqpToMqtt, INVALID_TOPIC_PEER, MAX_ROUTING_KEY_BYTES, RejectionCode, TopicLayout } from '@app/protocol';
import { BrokerManagementClient } from '../broker';
import { ManagementMessage } from '../broker/broker-management.client';
import { AppConfig } from '../config';
import { MetricsService } from '../metrics/metrics.service';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { describeKey } from './refusals';

/** Undeliverable messages removed at once, at most (the next ones wait for the next reconnection). */
const MAX_IN_A_ROW = 100;

/** How much of an over-long routing key the dead letter keeps in its header. */
const KEPT_KEY_CHARS = 1024;

/**
 * Finds and takes out of the engine queue a message the broker cannot deliver over AMQP: MQTT lets
 * a client publish a topic longer than the 255 bytes an AMQP routing key holds, and the broker then
 * drops the consumer's connection each time it tries to deliver it. Both steps go through the
 * management API, which reads messages inside the broker: locate peeks at the head of the queue
 * (and puts it back); once the transport has let the messages before it through, remove takes it,
 * dead-letters it with INVALID_TOPIC under an empty routing key (the original, cut
 * short, in the headers), and tells the sender, whom the topic names. A message that turns out to
 * be an ordinary one (another engine took the culprit first) is published again as it came.
 */
@Injectable()
export class UndeliverableMessages implements OnModuleInit, UndeliverableHandler {
  private readonly logger = new Logger(UndeliverableMessages.name);

  constructor(
    private readonly server: AmqpServer,
    private readonly management: BrokerManagementClient,
    private readonly publisher: AmqpPublisher,
    private readonly delivery: DeliveryPublisher,
    private readonly topics: TopicLayout,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    if (this.management.configured) this.server.onUndeliverable(this);
  }

  /** The position of the first undeliverable message among the first `within` of the queue (read and put back). */
  async locate(queue: string, within: number): Promise<number | null> {
    const head = await this.management.getMessages(queue, within, 'peek', 1);
    const at = head.findIndex(undeliverable);
    return at < 0 ? null : at;
  }

  /** Removes the undeliverable messages at the head of the queue (those in a row: a flood costs one reconnection). */
  async remove(queue: string): Promise<void> {
    for (let i = 0; i < MAX_IN_A_ROW; i++) {
      const [head] = await this.management.getMessages(queue, 1, 'peek');
      if (!head || !undeliverable(head)) return;
      const [taken] = await this.management.getMessages(queue, 1, 'take');
      if (!taken) return;
      await this.settle(taken);
    }
  }

  private async settle(taken: ManagementMessage): Promise<void> {
    const content = Buffer.from(taken.payload, taken.payload_encoding === 'base64' ? 'base64' : 'utf8');
    if (!undeliverable(taken)) {
      await this.publisher.publish({ exchange: taken.exchange, routingKey: taken.routing_key, body: content, options: publishOptions(taken) });
      return;
    }
    const reason = `not a valid outgoing topic: ${describeKey(taken.routing_key)}`;
    await this.publisher.publish({
      exchange: this.config.pipeline.deadLetterExchange,
      routingKey: '',
      body: content,
      options: {
        ...publishOptions(taken),
        headers: {
          ...taken.properties.headers,
          [DEAD_LETTER_HEADERS.code]: RejectionCode.INVALID_TOPIC,
          [DEAD_LETTER_HEADERS.reason]: reason,
          [DEAD_LETTER_HEADERS.routingKey]: taken.routing_key.slice(0, KEPT_KEY_CHARS),
          [DEAD_LETTER_HEADERS.exchange]: taken.exchange,
          [DEAD_LETTER_HEADERS.rejectedAt]: Date.now(),
        },
      },
    });
    this.metrics.rejected.inc({ code: RejectionCode.INVALID_TOPIC });
    this.metrics.deadLettered.inc({ code: RejectionCode.INVALID_TOPIC });
    const sender = this.topics.ownerOf(amqpToMqtt(taken.routing_key));
    this.logger.warn({ code: RejectionCode.INVALID_TOPIC, sender, routingKey: describeKey(taken.routing_key) }, 'message refused');
    if (sender) {
      await this.delivery.reject(sender, INVALID_TOPIC_PEER, { code: RejectionCode.INVALID_TOPIC, reason, timestamp: Date.now() });
    }
  }
}

function undeliverable(m: ManagementMessage): boolean {
  return Buffer.byteLength(m.routing_key) > MAX_ROUTING_KEY_BYTES;
}

function publishOptions(m: ManagementMessage) {
  return { persistent: true, contentType: m.properties.content_type, headers: m.properties.headers };
}
