import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AmqpPublisher, AmqpServer } from '@app/amqp-transport';
import { BrokerChannels } from '../broker';

/** The broker is "up" when the publisher can publish and the consumer is subscribed. */
@Injectable()
export class BrokerHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly publisher: AmqpPublisher,
    private readonly server: AmqpServer,
    private readonly broker: BrokerChannels,
  ) {}

  check(key = 'broker') {
    const indicator = this.health.check(key);
    const details = {
      publisher: this.publisher.isReady ? 'ready' : 'unavailable',
      consumer: this.broker.consumerState,
      consuming: this.server.isConsuming,
    };
    return this.publisher.isReady && this.server.isConsuming ? indicator.up(details) : indicator.down(details);
  }
}
