import { Injectable } from '@nestjs/common';
import { AmqpPublisher, PublishRequest } from '@app/amqp-transport';
import { DeliveredMessage, MAX_ROUTING_KEY_BYTES, MessageStatus, MQTT_EXCHANGE, mqttToAmqp, RejectedMessage, TopicLayout } from '@app/protocol';
import { AppConfig } from '../config';

/** The MQTT plugin reads this header to deliver an AMQP-published message at QoS 1. */
const MQTT_QOS1 = { 'x-mqtt-publish-qos': { '!': 'byte', value: 1 } };
/** ... and at QoS 0: never delivered again (a transient notice, e.g. typing). */
const MQTT_QOS0 = { 'x-mqtt-publish-qos': { '!': 'byte', value: 0 } };

/** Publishes the engine's output to users' inbox topics, confirmed by the broker. */
@Injectable()
export class DeliveryPublisher {
  private readonly maxBodyBytes: number;

  constructor(
    private readonly publisher: AmqpPublisher,
    private readonly topics: TopicLayout,
    config: AppConfig,
  ) {
    this.maxBodyBytes = config.pipeline.maxMessageBytes;
  }

  /**
   * The copies of a message. Direct: to the recipient (status 150) and to the sender (100). Group:
   * one to each member of `audience` on `{member}/{groupId}` (the sender's with 100, the rest 150).
   */
  deliveryRequests(message: Omit<DeliveredMessage, 'status'>, audience?: Iterable<string>): PublishRequest[] {
    if (message.channel_type === 'group') {
      const copies: PublishRequest[] = [];
      const delivered = this.body({ ...message, status: MessageStatus.DELIVERED });
      for (const member of audience ?? []) {
        const body = member === message.sender ? this.body({ ...message, status: MessageStatus.SENT }) : delivered;
        copies.push(this.request(this.topics.clientAdded(member, message.recipient), body));
      }
      return copies;
    }
    return [
      this.request(this.topics.clientAdded(message.recipient, message.sender), { ...message, status: MessageStatus.DELIVERED }),
      this.senderCopy(message),
    ];
  }

  /** The sender's own copy (status 100): their confirmation, and the message for their other devices. */
  senderCopy(message: Omit<DeliveredMessage, 'status'>): PublishRequest {
    return this.request(this.topics.clientAdded(message.sender, message.recipient), { ...message, status: MessageStatus.SENT });
  }

  /**
   * Why the broker would refuse one of these copies for good (too large a body, too long a
   * routing key), or null. Such a publish would fail on every retry.
   */
  unpublishable(requests: PublishRequest[]): string | null {
    for (const r of requests) {
      if (r.body.length > this.maxBodyBytes) return `a delivered copy is ${r.body.length} bytes; the broker takes at most ${this.maxBodyBytes}`;
      if (Buffer.byteLength(r.routingKey) > MAX_ROUTING_KEY_BYTES) return `the inbox topic is longer than ${MAX_ROUTING_KEY_BYTES} bytes`;
    }
    return null;
  }

  publishAll(requests: PublishRequest[]): Promise<void> {
    return this.publisher.publishAll(requests);
  }

  /** Tells the sender a message was refused (on `clientrejected`). */
  reject(sender: string, recipient: string, rejection: RejectedMessage): Promise<void> {
    return this.publisher.publish(this.request(this.topics.clientRejected(sender, recipient), rejection));
  }

  /** Publishes an arbitrary payload to an MQTT topic (e.g. a block command's result). */
  publishTo(mqttTopic: string, payload: object): Promise<void> {
    return this.publisher.publish(this.request(mqttTopic, payload));
  }

  /** A payload for an MQTT topic, to publish with others (publishAll); one body for many topics: serialise it once (`body`). */
  requestTo(mqttTopic: string, payload: object | Buffer): PublishRequest {
    return this.request(mqttTopic, payload);
  }

  /**
   * A notice worth nothing once late (typing): not persistent, delivered at QoS 0, and dropped by
   * the broker if it waits in a queue (an offline session's) longer than `ttlMs`.
   */
  transientRequestTo(mqttTopic: string, body: Buffer, ttlMs: number): PublishRequest {
    return {
      exchange: MQTT_EXCHANGE,
      routingKey: mqttToAmqp(mqttTopic),
      body,
      options: { persistent: false, expiration: String(ttlMs), contentType: 'application/json', headers: MQTT_QOS0 },
    };
  }

  /** A payload as the body the engine publishes (JSON). */
  body(payload: object): Buffer {
    return Buffer.from(JSON.stringify(payload));
  }

  /** One publish to an MQTT topic; a body shared by many copies is serialised once by the caller. */
  private request(mqttTopic: string, payload: object | Buffer): PublishRequest {
    return {
      exchange: MQTT_EXCHANGE,
      routingKey: mqttToAmqp(mqttTopic),
      body: Buffer.isBuffer(payload) ? payload : this.body(payload),
      options: { persistent: true, contentType: 'application/json', headers: MQTT_QOS1 },
    };
  }
}
