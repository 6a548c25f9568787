import { ConfirmChannel, Options } from 'amqplib';
import { AmqpConnection, errorMessage } from './amqp-connection';

/** Thrown when a message could not be published and confirmed; the caller should retry later. */
export class PublishError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublishError';
  }
}

/**
 * Thrown, without publishing, for a body larger than the broker takes (its max_message_size). The
 * broker would close the channel over it, and with it every other publish in flight; retrying
 * cannot help, so callers should treat it as permanent.
 */
export class MessageTooLargeError extends PublishError {
  readonly permanent = true;

  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`message body is ${bytes} bytes; the broker takes at most ${maxBytes}`);
    this.name = 'MessageTooLargeError';
  }
}

export interface AmqpPublisherOptions {
  /** The broker's max_message_size: larger bodies are refused here (MessageTooLargeError), never sent. */
  maxMessageBytes?: number;
}

export interface PublishRequest {
  exchange: string;
  routingKey: string;
  body: Buffer;
  options?: Options.Publish;
}

/**
 * Publishes with publisher confirms over its own connection: publish() resolves only once the
 * broker has taken responsibility for the message (confirmed), and rejects with PublishError when
 * the broker nacks it or the channel is lost. Nothing is buffered while disconnected.
 */
export class AmqpPublisher {
  private channel: ConfirmChannel | null = null;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly options: AmqpPublisherOptions = {},
  ) {
    connection.onConnected(async (model) => {
      const channel = await model.createConfirmChannel();
      channel.on('error', () => undefined); // the 'close' handler below reacts
      channel.once('close', () => {
        if (this.channel === channel) this.channel = null;
      });
      this.channel = channel;
    });
  }

  get isReady(): boolean {
    return this.channel !== null && this.connection.isConnected;
  }

  publish(request: PublishRequest): Promise<void> {
    const max = this.options.maxMessageBytes;
    if (max !== undefined && request.body.length > max) return Promise.reject(new MessageTooLargeError(request.body.length, max));
    const channel = this.channel;
    if (!channel) return Promise.reject(new PublishError('broker channel is not available'));
    return new Promise((resolve, reject) => {
      try {
        channel.publish(request.exchange, request.routingKey, request.body, request.options ?? {}, (err) =>
          err ? reject(new PublishError(`broker did not confirm the publish: ${errorMessage(err)}`)) : resolve(),
        );
      } catch (err) {
        reject(new PublishError(errorMessage(err)));
      }
    });
  }

  /** Publishes all and resolves when every one is confirmed (rejects if any is not). */
  async publishAll(requests: PublishRequest[]): Promise<void> {
    await Promise.all(requests.map((r) => this.publish(r)));
  }
}
