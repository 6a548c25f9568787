import { Injectable, Logger } from '@nestjs/common';
import { AmqpServer, errorMessage } from '@app/amqp-transport';
import { BrokerChannels } from '../broker';
import { AppConfig } from '../config';
import { MetricsService } from './metrics.service';

/** A scrape must answer even when the broker does not: each sample gets this long at most. */
const SAMPLE_TIMEOUT_MS = 1000;

/**
 * Reads the depth of the engine queue and the dead-letter queue on scrape (a passive check: it
 * never declares anything). A queue
 * that cannot be read (broker down, slow, queue missing) is left out of the scrape rather than
 * reported with a stale or made-up value.
 */
@Injectable()
export class QueueDepthSampler {
  private readonly logger = new Logger(QueueDepthSampler.name);

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly broker: BrokerChannels,
    private readonly server: AmqpServer,
  ) {}

  async sample(): Promise<void> {
    this.metrics.oldestMessageAge.set(this.server.oldestInFlightAgeMs() / 1000);
    const { queue, deadLetterQueue } = this.config.pipeline;
    await Promise.all([this.sampleOne(queue), this.sampleOne(deadLetterQueue)]);
  }

  private async sampleOne(queue: string): Promise<void> {
    this.metrics.queueDepth.remove({ queue });
    try {
      const depth = await this.broker.queueDepth(queue, SAMPLE_TIMEOUT_MS);
      if (depth !== null) this.metrics.queueDepth.set({ queue }, depth);
    } catch (err) {
      this.logger.warn({ queue, error: errorMessage(err) }, 'could not sample the queue depth');
    }
  }
}
