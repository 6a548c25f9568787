import { Inject, Injectable } from '@nestjs/common';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { AmqpConnection, ConnectionState, errorMessage } from '@app/amqp-transport';
import { within } from '../common/async';
import { CONSUMER_CONNECTION, PUBLISHER_CONNECTION } from './broker.tokens';

/** One connection to the broker as a feature sees it: the connection, and whether it is still the live one. */
export interface BrokerLink {
  readonly model: ChannelModel;
  isCurrent(): boolean;
}

/** The broker cannot be used just now (not connected, or no channel within the time given). */
export class BrokerUnavailableError extends Error {}

/**
 * What features other than the pipeline may do with the engine's two broker connections, instead
 * of holding the connections: set something up on each new connection (their own queues and
 * exchanges), run a short piece of work on a channel of their own, read a queue's depth. Every
 * call that waits on the broker is bounded by the caller's timeout.
 */
@Injectable()
export class BrokerChannels {
  constructor(
    @Inject(CONSUMER_CONNECTION) private readonly consuming: AmqpConnection,
    @Inject(PUBLISHER_CONNECTION) private readonly publishing: AmqpConnection,
  ) {}

  get consumerState(): ConnectionState {
    return this.consuming.connectionState;
  }

  /**
   * Runs `setup` on every new consuming connection before it counts as connected. Registered in
   * onModuleInit, it runs before the pipeline starts consuming on that connection. A throw drops
   * the connection (it reconnects): a setup the pipeline can do without must catch its own errors.
   */
  onConsumerConnected(setup: (link: BrokerLink) => Promise<void>): void {
    this.consuming.onConnected((model) => setup(this.link(this.consuming, model)));
  }

  /** Runs `setup` on every new publishing connection, as onConsumerConnected. */
  onPublisherConnected(setup: (link: BrokerLink) => Promise<void>): void {
    this.publishing.onConnected((model) => setup(this.link(this.publishing, model)));
  }

  /**
   * Runs `work` on a confirm channel of its own on the publishing connection and closes the
   * channel after it (unacked messages go back to their queue). Opening is bounded by `timeoutMs`;
   * the work bounds its own calls. Errors on the channel reject the call that caused them.
   */
  async withChannel<T>(work: (channel: ConfirmChannel, link: BrokerLink) => Promise<T>, timeoutMs: number): Promise<T> {
    const model = this.publishing.current;
    if (!model) throw new BrokerUnavailableError('the broker is not connected');
    let channel: ConfirmChannel;
    const opening = model.createConfirmChannel();
    try {
      channel = await within(opening, timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
    } catch (err) {
      // One that opens after all is closed, not left open on the publishing connection.
      opening.then((late) => late.close().catch(() => undefined), () => undefined);
      throw new BrokerUnavailableError(`could not open a broker channel: ${errorMessage(err)}`);
    }
    channel.on('error', () => undefined);
    try {
      return await work(channel, this.link(this.publishing, model));
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /**
   * The ready messages in a queue, or null when it does not exist; read passively (it never
   * declares anything) on a channel of its own, since a failed check closes its channel.
   */
  queueDepth(queue: string, timeoutMs: number): Promise<number | null> {
    return this.withChannel(async (channel) => {
      try {
        const { messageCount } = await within(channel.checkQueue(queue), timeoutMs, () => new BrokerUnavailableError(`the broker did not answer within ${timeoutMs} ms (queue check)`));
        return messageCount;
      } catch (err) {
        if ((err as { code?: unknown }).code === 404) return null;
        throw err;
      }
    }, timeoutMs);
  }

  private link(connection: AmqpConnection, model: ChannelModel): BrokerLink {
    return { model, isCurrent: () => connection.current === model };
  }
}
