import { Injectable, Logger } from '@nestjs/common';
import { Channel, ConfirmChannel, GetMessage } from 'amqplib';
import { errorMessage } from '@app/amqp-transport';
import { TopicLayout } from '@app/protocol';
import { BrokerChannels, BrokerLink } from '../broker';
import { within } from '../common/async';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig } from '../config';
import { deadLetterId, originOf, ReplayProblem, replayProblem, replayProperties, toResponse } from './dead-letter.message';
import { BROKER_CALL_TIMEOUT_MS, MAX_LEFT_LISTED, MAX_PER_CALL } from './dead-letter-limits';
import {
  DeadLetterListResponse,
  DeadLetterResponse,
  PurgeDeadLettersResponse,
  ReplayDeadLettersResponse,
  ReplayLeftResponse,
} from './dto/dead-letter.response';
import { ExchangeProbe } from './exchange-probe';

/**
 * The dead-letter queue for operators: look at what is in it, send it back to the engine once the
 * cause is fixed, or drop it. Each call works on a broker channel of its own and closes it at the
 * end; a message is only ever acked (removed) after what it was taken for is
 * done, so an interrupted call leaves the rest in the queue.
 */
@Injectable()
export class DeadLettersService {
  private readonly logger = new Logger(DeadLettersService.name);
  private readonly queue: string;

  constructor(
    config: AppConfig,
    private readonly topics: TopicLayout,
    private readonly broker: BrokerChannels,
  ) {
    this.queue = config.pipeline.deadLetterQueue;
  }

  /**
   * Takes up to `limit` messages without acking them, then hands them all back (nack, requeue):
   * the queue keeps every one. RabbitMQ puts them back in their place; from then on they carry
   * the redelivered flag.
   */
  list(limit: number): Promise<DeadLetterListResponse> {
    return this.withChannel(async (channel) => {
      const count = await this.depth(channel);
      const messages: DeadLetterResponse[] = [];
      while (messages.length < Math.min(limit, count)) {
        const msg = await this.get(channel, false);
        if (!msg) break;
        messages.push(toResponse(msg, this.topics));
      }
      if (messages.length > 0) channel.nackAll(true);
      return { count, messages };
    });
  }

  /**
   * Publishes each message again to the exchange and routing key it first came with (so the
   * engine consumes it as if just sent), confirmed by the broker, then acks its dead letter: at
   * least once, never lost. At most the messages present at the start (up to MAX_PER_CALL), so
   * one still bad, dead-lettered again meanwhile, is not replayed twice in one call. One that
   * cannot be replayed as it is stays in the dead-letter queue, and the call moves on past it: its
   * exchange no longer exists or its routing key is unusable (skipped, checked before publishing,
   * since the broker would close the channel over it), or no queue would receive it (unroutable:
   * the mandatory publish came back). Each such one is named in `left` with why.
   */
  replay(limit?: number): Promise<ReplayDeadLettersResponse> {
    const done = { replayed: 0, unroutable: 0, skipped: 0 };
    const left: ReplayLeftResponse[] = [];
    const leave = (msg: GetMessage, problem: ReplayProblem) => {
      if (problem.code === 'UNROUTABLE') done.unroutable++;
      else done.skipped++;
      const { exchange, routingKey } = originOf(msg);
      if (left.length < MAX_LEFT_LISTED) left.push({ id: deadLetterId(msg), code: problem.code, reason: problem.reason, exchange, routing_key: routingKey });
    };
    return this.withChannel(
      async (channel, link) => {
        const target = Math.min(limit ?? MAX_PER_CALL, await this.depth(channel));
        const exchanges = new ExchangeProbe(link.model, (call, what) => this.bounded(call, what));
        let returned = false;
        channel.on('return', () => (returned = true));
        try {
          while (done.replayed + done.unroutable + done.skipped < target) {
            const msg = await this.get(channel, false);
            if (!msg) break;
            const { exchange, routingKey } = originOf(msg);
            // Not acked: it returns to its place in the queue when the channel closes, and get() moves past it.
            const problem = replayProblem(exchange, routingKey) ?? (await exchanges.problem(exchange));
            if (problem) {
              leave(msg, problem);
              continue;
            }
            returned = false;
            await this.bounded(
              new Promise<void>((resolve, reject) =>
                channel.publish(exchange, routingKey, msg.content, replayProperties(msg), (err) => (err ? reject(err) : resolve())),
              ),
              'publish confirm',
            );
            // A return comes before the confirm of the same publish.
            if (returned) leave(msg, { code: 'UNROUTABLE', reason: 'no queue is bound for its routing key' });
            else {
              channel.ack(msg);
              done.replayed++;
            }
          }
        } finally {
          await exchanges.close();
        }
        this.logger.log({ queue: this.queue, ...done }, 'dead letters replayed');
        return { ...done, left };
      },
      () => `replay stopped after ${done.replayed} replayed, ${done.unroutable} unroutable, ${done.skipped} skipped`,
    );
  }

  /** Removes every ready message, or the first `limit`. */
  purge(limit?: number): Promise<PurgeDeadLettersResponse> {
    return this.withChannel(async (channel) => {
      let removed = 0;
      if (limit === undefined) {
        if ((await this.depth(channel)) > 0) removed = (await this.bounded(channel.purgeQueue(this.queue), 'purge')).messageCount;
      } else {
        const target = Math.min(limit, await this.depth(channel));
        while (removed < target && (await this.get(channel, true))) removed++;
      }
      this.logger.log({ queue: this.queue, removed }, 'dead letters purged');
      return { removed };
    });
  }

  /**
   * Ready messages in the queue. 0 when it does not exist (yet: the consumer declares it); the
   * failed check closes the channel, so callers use it no further when this is 0.
   */
  private async depth(channel: Channel): Promise<number> {
    try {
      return (await this.bounded(channel.checkQueue(this.queue), 'queue check')).messageCount;
    } catch (err) {
      if ((err as { code?: unknown }).code === 404) return 0;
      throw err;
    }
  }

  private async get(channel: Channel, noAck: boolean): Promise<GetMessage | false> {
    return this.bounded(channel.get(this.queue, { noAck }), 'get');
  }

  /** Runs the work on a channel of its own (confirm mode: replays need it, the rest does not mind). */
  private async withChannel<T>(work: (channel: ConfirmChannel, link: BrokerLink) => Promise<T>, progress: () => string = () => ''): Promise<T> {
    let started = false;
    try {
      return await this.broker.withChannel((channel, link) => {
        started = true;
        return work(channel, link);
      }, BROKER_CALL_TIMEOUT_MS);
    } catch (err) {
      if (!started) throw unavailable(errorMessage(err));
      const message = err instanceof DomainError ? err.message : `broker call failed: ${errorMessage(err)}`;
      const step = progress();
      throw unavailable(step ? `${message} (${step})` : message);
    }
  }

  private bounded<T>(call: Promise<T>, what: string): Promise<T> {
    return within(call, BROKER_CALL_TIMEOUT_MS, () => unavailable(`the broker did not answer within ${BROKER_CALL_TIMEOUT_MS} ms (${what})`));
  }
}

function unavailable(message: string): DomainError {
  return new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, message);
}
