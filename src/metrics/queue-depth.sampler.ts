import { Inject, Injectable, Logger } from '@nestjs/common';
import { AmqpConnection, AmqpServer, errorMessage } from '@app/amqp-transport';
import { PUBLISHER_CONNECTION } from '../broker';
import { within } from '../common/async';
import { AppConfig } from '../config';
import { MetricsService } from './metrics.service';

/** A scrape must answer even when the broker does not: each sample gets this long at most. */
const SAMPLE_TIMEOUT_MS = 1000;

/**
 * Reads the depth of the engine queue and the dead-letter queue on scrape, on a short-lived
 * channel of the publisher connection (passive checkQueue: it never declares anything). A queue
 * that cannot be read (broker down, slow, queue missing) is left out of the scrape rather than
 * reported with a stale or made-up value.
 */
@Injectable()
export class QueueDepthSampler {
  private readonly logger = new Logger(QueueDepthSampler.name);

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    @Inject(PUBLISHER_CONNECTION) private readonly connection: AmqpConnection,
    private readonly server: AmqpServer,
  ) {}

  async sample(): Promise<void> {
    this.metrics.oldestMessageAge.set(this.server.oldestInFlightAgeMs() / 1000);
    const { queue, deadLetterQueue } = this.config.pipeline;
    await Promise.all([this.sampleOne(queue), this.sampleOne(deadLetterQueue)]);
  }

  private async sampleOne(queue: string): Promise<void> {
    this.metrics.queueDepth.remove({ queue });
    const model = this.connection.current;
    if (!model) return;
    const read = (async () => {
      // A failed passive check closes its channel: one channel per queue keeps the other sample alive.
      const channel = await model.createChannel();
      channel.on('error', () => undefined);
      try {
        return (await channel.checkQueue(queue)).messageCount;
      } finally {
        await channel.close().catch(() => undefined);
      }
    })();
    try {
      this.metrics.queueDepth.set({ queue }, await within(read, SAMPLE_TIMEOUT_MS, () => new Error(`no answer within ${SAMPLE_TIMEOUT_MS} ms`)));
    } catch (err) {
      this.logger.warn({ queue, error: errorMessage(err) }, 'could not sample the queue depth');
    }
  }
}
