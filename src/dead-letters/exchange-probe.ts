import { Channel, ChannelModel } from 'amqplib';
import { ReplayProblem } from './dead-letter.message';

/**
 * Tells whether an exchange exists, before a replay publishes to it: publishing to a missing
 * exchange makes the broker close the channel (NOT_FOUND), which would end the whole replay at
 * the first such message. Checks passively, on a channel of its own (a failed check closes it;
 * the next check opens another), and remembers each answer for the rest of the call.
 */
export class ExchangeProbe {
  private channel: Channel | null = null;
  private readonly known = new Map<string, ReplayProblem | null>();

  constructor(
    private readonly model: ChannelModel,
    private readonly bounded: <T>(call: Promise<T>, what: string) => Promise<T>,
  ) {}

  /** Null when the exchange exists (the default exchange always does), else why not. */
  async problem(exchange: string): Promise<ReplayProblem | null> {
    if (exchange === '') return null;
    if (!this.known.has(exchange)) this.known.set(exchange, await this.check(exchange));
    return this.known.get(exchange)!;
  }

  async close(): Promise<void> {
    await this.channel?.close().catch(() => undefined);
    this.channel = null;
  }

  private async check(exchange: string): Promise<ReplayProblem | null> {
    if (!this.channel) {
      const channel = await this.bounded(this.model.createChannel(), 'open a channel');
      channel.on('error', () => undefined); // the failed check rejects on its own
      channel.once('close', () => {
        if (this.channel === channel) this.channel = null;
      });
      this.channel = channel;
    }
    try {
      await this.bounded(this.channel.checkExchange(exchange), 'exchange check');
      return null;
    } catch (err) {
      if ((err as { code?: unknown }).code !== 404) throw err;
      return { code: 'EXCHANGE_NOT_FOUND', reason: `the original exchange "${exchange}" no longer exists` };
    }
  }
}
