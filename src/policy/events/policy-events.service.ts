import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AmqpPublisher } from '@app/amqp-transport';
import { BrokerChannels, BrokerLink } from '../../broker';
import { DomainError, ErrorCode } from '../../common/errors';
import { AppConfig } from '../../config';
import { encodePolicyEvent, parsePolicyEvent, PolicyChange, PolicyChangeListener } from './policy-change';

/**
 * Keeps the policy caches of every engine instance in step. The instance that changes a user or
 * a block applies the change to its own caches at once, then announces it on a durable fanout
 * exchange with a publisher confirm. Every instance hears the announcements through its own
 * exclusive, server-named queue, declared anew on each connection of the consuming connection;
 * as announcements made while disconnected are lost, a new connection also clears the caches.
 */
@Injectable()
export class PolicyEvents implements OnModuleInit {
  private readonly logger = new Logger(PolicyEvents.name);
  private readonly listeners: PolicyChangeListener[] = [];
  private readonly origin = randomUUID();
  /** The publishing connection on which the exchange is known to exist. */
  private declaredOn: BrokerLink | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly publisher: AmqpPublisher,
    private readonly broker: BrokerChannels,
  ) {}

  subscribe(listener: PolicyChangeListener): void {
    this.listeners.push(listener);
  }

  onModuleInit(): void {
    this.broker.onPublisherConnected((link) => this.declareExchange(link));
    // Registered before the pipeline's consumer (which registers when the microservice starts),
    // so on every connection the caches are reset before messages flow again.
    this.broker.onConsumerConnected((link) => this.listen(link));
  }

  /**
   * Applies a change locally, then tells the other instances. The caller has already stored the
   * change, so a failure here means "saved, but not announced": the request may be retried.
   */
  async announce(change: PolicyChange): Promise<void> {
    this.dispatch(change);
    if (!this.declaredOn?.isCurrent()) throw notAnnounced('the broker is not connected');
    try {
      await this.publisher.publish({
        exchange: this.exchange,
        routingKey: '',
        body: encodePolicyEvent({ ...change, app_id: this.config.appId, origin: this.origin }),
        options: { contentType: 'application/json', persistent: false },
      });
    } catch (err) {
      throw notAnnounced((err as Error).message);
    }
  }

  private get exchange(): string {
    return this.config.policy.eventsExchange;
  }

  // Publishing to a missing exchange would close the publisher's channel, which the pipeline shares.
  private async declareExchange(link: BrokerLink): Promise<void> {
    const channel = await link.model.createChannel();
    await channel.assertExchange(this.exchange, 'fanout', { durable: true });
    await channel.close();
    this.declaredOn = link;
  }

  private async listen(link: BrokerLink): Promise<void> {
    const channel = await link.model.createChannel();
    channel.on('error', (err: Error) => this.logger.warn({ error: err.message }, 'policy event channel error'));
    await channel.assertExchange(this.exchange, 'fanout', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await channel.bindQueue(queue, this.exchange, '');
    await channel.consume(queue, (msg) => msg && this.receive(msg.content), { noAck: true });
    channel.once('close', () => {
      if (!link.isCurrent()) return;
      // Without this channel the caches would go stale unnoticed: reconnect, which resets them.
      this.logger.warn('policy event channel closed; reconnecting the consumer');
      void link.model.close().catch(() => undefined);
    });
    // Only now, with announcements arriving, is a reload from the database sure to be current.
    for (const listener of this.listeners) listener.onPolicyReset();
    this.logger.log({ exchange: this.exchange, queue }, 'listening for policy changes; caches cleared');
  }

  private receive(body: Buffer): void {
    const event = parsePolicyEvent(body);
    if (!event) {
      this.logger.warn({ bytes: body.length }, 'ignored a policy event that is not understood');
      return;
    }
    if (event.app_id !== this.config.appId || event.origin === this.origin) return;
    this.dispatch(event);
  }

  private dispatch(change: PolicyChange): void {
    for (const listener of this.listeners) listener.onPolicyChange(change);
  }
}

/** For API docs of the endpoints whose changes are announced: what their 503 means. */
export const NOT_ANNOUNCED_DESCRIPTION = 'Saved, but the other engine instances could not be told (broker down): retry';

function notAnnounced(cause: string): DomainError {
  return new DomainError(
    ErrorCode.DEPENDENCY_UNAVAILABLE,
    `the change is saved but other engine instances could not be told (${cause}); retry the request`,
  );
}
