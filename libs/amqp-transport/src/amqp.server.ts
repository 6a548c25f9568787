import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { lastValueFrom } from 'rxjs';
import { AmqpConnection, AmqpLogger, errorMessage } from './amqp-connection';
import { AmqpContext } from './amqp.context';
import { sleep } from './backoff';
import {
  DEAD_LETTER_HEADERS,
  DeadLetterCap,
  deadLetterQueueArguments,
  DeadLetterEvent,
  DroppedDeadLetter,
  droppedQueueArguments,
  TRANSPORT_REJECT_CODES,
} from './dead-letter';
import { declareQueue, QueueDeclaration } from './queue-declaration';
import { expandPattern, TopicMatcher } from './topic-matcher';

export interface AmqpServerOptions {
  /** The consumer's own connection (it reconnects by itself; the server re-declares on each). */
  connection: AmqpConnection;
  /** Exchange the queue is bound to for every handler pattern (e.g. `amq.topic`). */
  exchange: string;
  /** Durable queue shared by every instance of the app (competing consumers). */
  queue: string;
  /** Extra queue arguments (e.g. `x-queue-type`). */
  queueArguments?: Record<string, unknown>;
  /**
   * Where messages that can never succeed go: a fanout exchange and its durable queue, capped
   * when `cap` is given (the oldest dropped beyond it, and counted: onDeadLetterDropped).
   */
  deadLetter: { exchange: string; queue: string; cap?: DeadLetterCap };
  /** Unacknowledged messages in flight at most. */
  prefetch: number;
  /** Values for `{name}` placeholders in handler patterns. */
  patternVariables?: Record<string, string>;
  /** `raw` hands handlers the body Buffer; `json` (default) parses it and dead-letters what is not JSON. */
  payload?: 'json' | 'raw';
  /** Wait before a failed message is requeued (ms). */
  retryDelayMs?: number;
  /** On close, how long to wait for in-flight messages (ms). */
  drainTimeoutMs?: number;
  /** Called once per message moved to the dead-letter queue (confirmed), whoever decided it (e.g. to count it). */
  onDeadLetter?: (event: DeadLetterEvent) => void;
  /** Called once per dead letter the cap dropped (read from the dropped queue, then acked). */
  onDeadLetterDropped?: (event: DroppedDeadLetter) => void;
  /** Called on every (re)connect with how the dead-letter queue was found (`kept`: without its cap). */
  onDeadLetterQueueDeclared?: (declaration: QueueDeclaration) => void;
  logger: AmqpLogger;
}

/** Who wants to know what happens to dead letters (e.g. metrics): the options' callbacks, or added with observeDeadLetters. */
export type DeadLetterObserver = Pick<AmqpServerOptions, 'onDeadLetter' | 'onDeadLetterDropped' | 'onDeadLetterQueueDeclared'>;

/** The connection error a broker closes a consumer with when it cannot encode a delivery. */
const INTERNAL_ERROR = 541;

/** AMQP short strings (routing keys, exchange names) hold at most 255 bytes. */
const MAX_SHORTSTR_BYTES = 255;
/** How much of an over-long routing key a dead letter keeps in its header. */
const MAX_HEADER_KEY_CHARS = 1024;

/** Dropped dead letters in flight to the counter at most (it only reads a header and acks). */
const DROP_PREFETCH = 100;

/** Finds and removes messages the broker cannot deliver over AMQP (see AmqpServer.onUndeliverable). */
export interface UndeliverableHandler {
  /** How many messages come before the first undeliverable one among the first `within` of the queue; null if none. */
  locate(queue: string, within: number): Promise<number | null>;
  /** Takes away the undeliverable message(s) at the head of the queue. */
  remove(queue: string): Promise<void>;
}

interface Route {
  matcher: TopicMatcher;
  handler: MessageHandler;
}

/**
 * A Nest microservice transport on amqplib. Handlers are declared with
 * `@EventPattern('<routing key pattern>')` (AMQP wildcards, `{name}` placeholders allowed); the
 * server binds one durable queue to the exchange for those patterns and dispatches each message
 * by its routing key. Manual acks, bounded prefetch, dead-lettering with reasons, reconnect, and
 * a drain on close.
 */
export class AmqpServer extends Server implements CustomTransportStrategy {
  private routes: Route[] = [];
  private channel: ConfirmChannel | null = null;
  private dropChannel: Channel | null = null;
  private consumerTag: string | null = null;
  private closing = false;
  private closed: Promise<void> | null = null;
  /** Messages being handled, with when each arrived (insertion order: the first is the oldest). */
  private readonly inFlight = new Map<Promise<void>, number>();
  private readonly log: AmqpLogger;
  private readonly observers: DeadLetterObserver[];
  /** The broker dropped the consumer on a delivery it cannot make: find and remove that message first. */
  private undeliverableDue = false;
  /** The last attempt to remove it failed (e.g. the management API is away): reconnect with backoff then. */
  private removalFailed = false;
  private undeliverable: UndeliverableHandler | null = null;
  /** Acks and nacks held back while a limited consumer is being cancelled (each would let one more message in). */
  private heldSettles: Array<() => void> | null = null;

  constructor(private readonly options: AmqpServerOptions) {
    super();
    this.log = options.logger;
    this.observers = [options];
  }

  /** True when the consumer is subscribed to its queue. */
  get isConsuming(): boolean {
    return this.consumerTag !== null && this.options.connection.isConnected;
  }

  /**
   * How long the oldest message still being handled has waited (ms; 0 when none): a message held
   * by a failing step shows here, even while the consumer connection looks healthy.
   */
  oldestInFlightAgeMs(now = Date.now()): number {
    for (const arrived of this.inFlight.values()) return now - arrived;
    return 0;
  }

  /** Adds an observer of dead letters, beside the options' callbacks (registered before listen()). */
  observeDeadLetters(observer: DeadLetterObserver): void {
    this.observers.push(observer);
  }

  /** Tells every observer; one that throws is logged and does not stop the others or the message. */
  private notify(what: string, call: (observer: DeadLetterObserver) => void): void {
    for (const observer of this.observers) {
      try {
        call(observer);
      } catch (err) {
        this.log.warn(`${what} callback failed`, { error: errorMessage(err) });
      }
    }
  }

  /**
   * Registers what finds and takes away a message the broker cannot deliver over AMQP (a routing
   * key over 255 bytes, which MQTT allows: the broker drops the consumer's connection on it, every
   * time). Without it such a message stops the queue until an operator removes it.
   */
  onUndeliverable(handler: UndeliverableHandler): void {
    this.undeliverable = handler;
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    const variables = this.options.patternVariables ?? {};
    this.routes = [...this.getHandlers().entries()].map(([pattern, handler]) => ({
      matcher: new TopicMatcher(expandPattern(pattern, variables)),
      handler,
    }));
    this.options.connection.onConnected((model) => this.setup(model));
    this.options.connection.on('lost', (err: { code?: number }) => this.onLost(err));
    void this.options.connection.start();
    callback();
  }

  /**
   * Stops consuming, waits for in-flight messages (up to drainTimeoutMs), closes the channel, then
   * disconnects. Every caller gets the same shutdown.
   */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  on(): never {
    throw new Error('AmqpServer does not support event listeners; use the connection state');
  }

  unwrap<T>(): T {
    return this.options.connection as T;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    const channel = this.channel;
    if (channel && this.consumerTag) {
      await channel.cancel(this.consumerTag).catch(() => undefined);
      this.consumerTag = null;
    }
    const drained = await this.drain(this.options.drainTimeoutMs ?? 10_000);
    if (!drained) this.log.warn('shutdown: in-flight messages left unacked; the broker will redeliver them', {
      inFlight: this.inFlight.size,
    });
    // The channel is closed on its own, and first: amqplib queues each channel's frames in a buffer
    // of their own and interleaves the buffers on the socket, so a connection close sent right after
    // a batch of acks overtakes most of them, and the broker requeues those messages (the next
    // engine then processes them again). Channel.Close goes through the acks' own buffer, after
    // them, and its CloseOk means the broker has handled them.
    const current = this.channel;
    if (current) await current.close().catch(() => undefined);
    // Likewise for the drop counter's acks: closed first, so no drop is counted twice after a restart.
    const drops = this.dropChannel;
    if (drops) await drops.close().catch(() => undefined);
    await this.options.connection.close();
  }

  private async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      // The timer is cancelled once the messages settle, so it never holds the process open.
      const settled = new AbortController();
      await Promise.race([
        Promise.allSettled([...this.inFlight.keys()]).finally(() => settled.abort()),
        sleep(Math.max(0, deadline - Date.now()), settled.signal),
      ]);
    }
    return this.inFlight.size === 0;
  }

  /**
   * A message the broker cannot deliver closes the consumer's connection, and would on every
   * reconnection. So on the next connection, before consuming, the server has the handler find it
   * within the prefetch window (the messages the broker had handed out are back at the head, in
   * order), takes exactly the messages before it, stops consuming, lets them settle, has the
   * handler remove it (now alone at the head), and consumes again: one reconnection per message.
   */
  private onLost(err: { code?: number }): void {
    if (this.closing || err.code !== INTERNAL_ERROR) return;
    this.undeliverableDue = true;
    // Known cause, dealt with on the next connection: no backoff (unless nothing can remove it now).
    if (this.undeliverable && !this.removalFailed) this.options.connection.reconnectPromptly();
    this.log.warn('the broker dropped the consumer on a delivery it cannot make');
  }

  private async setup(model: ChannelModel): Promise<void> {
    const o = this.options;
    const channel = await model.createConfirmChannel();
    channel.on('error', (err: Error) => this.log.warn('consumer channel error', { error: err.message }));
    channel.once('close', () => {
      if (this.channel === channel) {
        this.channel = null;
        this.consumerTag = null;
      }
    });
    await channel.assertExchange(o.deadLetter.exchange, 'fanout', { durable: true });
    await this.declareDeadLetterQueue(model);
    await channel.bindQueue(o.deadLetter.queue, o.deadLetter.exchange, '');
    await channel.assertQueue(o.queue, {
      durable: true,
      arguments: { 'x-dead-letter-exchange': o.deadLetter.exchange, ...o.queueArguments },
    });
    for (const route of this.routes) await channel.bindQueue(o.queue, o.exchange, route.matcher.pattern);
    this.channel = channel;
    if (this.undeliverableDue && this.undeliverable) await this.clearUndeliverable(channel, this.undeliverable);
    await this.consume(channel, o.prefetch);
  }

  private async clearUndeliverable(channel: ConfirmChannel, handler: UndeliverableHandler): Promise<void> {
    const queue = this.options.queue;
    try {
      const before = await handler.locate(queue, this.options.prefetch + 1);
      this.log.warn('looked for the message the broker cannot deliver', { queue, before });
      if (before !== null) {
        if (before > 0) await this.consume(channel, before, before);
        await this.drain(this.options.drainTimeoutMs ?? 10_000);
        await handler.remove(queue);
      }
      this.undeliverableDue = false;
      this.removalFailed = false;
    } catch (err) {
      this.removalFailed = true;
      this.log.error('could not remove the message the broker cannot deliver', { queue, error: errorMessage(err) });
    }
  }

  /** Consumes with this prefetch; with a limit, stops after that many deliveries (resolving then). */
  private async consume(channel: ConfirmChannel, prefetch: number, limit?: number): Promise<void> {
    const o = this.options;
    await channel.prefetch(prefetch);
    if (this.closing) return;
    let received = 0;
    let reached: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (reached = resolve));
    if (limit !== undefined) {
      // Until the broker has the cancel, an ack would free a place for the message after the limit.
      this.heldSettles = [];
      done.finally(() => {
        const held = this.heldSettles ?? [];
        this.heldSettles = null;
        for (const action of held) action();
      });
      // A channel that closes before the limit is reached ends the wait too (setup then fails and the connection retries).
      channel.once('close', () => reached());
    }
    const { consumerTag } = await channel.consume(
      o.queue,
      (msg) => {
        if (!msg) return;
        this.track(this.onMessage(channel, msg));
        if (limit !== undefined && ++received === limit) {
          this.consumerTag = null;
          void channel.cancel(msg.fields.consumerTag).then(reached, reached);
        }
      },
      { noAck: false },
    );
    this.consumerTag = limit === undefined || received < limit ? consumerTag : null;
    this.log.log('consuming', { queue: o.queue, patterns: this.routes.map((r) => r.matcher.pattern), prefetch, ...(limit && { limit }) });
    if (limit !== undefined) await done;
  }

  /**
   * The dead-letter queue, capped when asked (and the dropped queue the cap feeds, declared first
   * so no drop is routed nowhere). Declared on channels of their own: an existing queue declared
   * with other arguments (an older version, another cap) is refused with PRECONDITION_FAILED, which
   * closes the channel; declareQueue then recreates it when empty or keeps it as it is.
   */
  private async declareDeadLetterQueue(model: ChannelModel): Promise<void> {
    const { queue, cap } = this.options.deadLetter;
    if (!cap) {
      await declareQueue(model, queue, { durable: true }, this.log);
      return;
    }
    await declareQueue(model, cap.droppedQueue, { durable: true, arguments: droppedQueueArguments(cap) }, this.log);
    const declaration = await declareQueue(model, queue, { durable: true, arguments: deadLetterQueueArguments(cap) }, this.log);
    this.notify('onDeadLetterQueueDeclared', (o) => o.onDeadLetterQueueDeclared?.(declaration));
    if (this.closing) return;
    // Counts what the cap drops: each dropped dead letter is reported, then acked.
    const drops = await model.createChannel();
    drops.on('error', (err: Error) => this.log.warn('dropped dead-letter channel error', { error: err.message }));
    drops.once('close', () => {
      if (this.dropChannel === drops) this.dropChannel = null;
    });
    await drops.prefetch(DROP_PREFETCH);
    await drops.consume(cap.droppedQueue, (msg) => {
      if (!msg) return;
      const header = msg.properties.headers?.[DEAD_LETTER_HEADERS.code];
      const code = typeof header === 'string' ? header : Buffer.isBuffer(header) ? header.toString('utf8') : null;
      this.notify('onDeadLetterDropped', (o) => o.onDeadLetterDropped?.({ code }));
      drops.ack(msg);
    });
    this.dropChannel = drops;
  }

  private track(work: Promise<void>): void {
    this.inFlight.set(work, Date.now());
    void work.finally(() => this.inFlight.delete(work));
  }

  private async onMessage(channel: ConfirmChannel, msg: ConsumeMessage): Promise<void> {
    const routingKey = msg.fields.routingKey;
    const ctx = new AmqpContext([msg, routingKey, () => this.channel === channel]);
    const route = this.routes.find((r) => r.matcher.matches(routingKey));
    if (!route) {
      return this.deadLetter(channel, msg, TRANSPORT_REJECT_CODES.noHandler, `no handler for routing key ${routingKey}`, 'transport');
    }
    let payload: unknown = msg.content;
    if (this.options.payload !== 'raw') {
      try {
        payload = JSON.parse(msg.content.toString('utf8'));
      } catch {
        return this.deadLetter(channel, msg, TRANSPORT_REJECT_CODES.malformed, 'payload is not valid JSON', 'transport');
      }
    }
    try {
      // The handler is called synchronously here, so handlers see messages in delivery order.
      const result = route.handler(payload, ctx);
      await lastValueFrom(this.transformToObservable(await result), { defaultValue: undefined });
    } catch (err) {
      return this.retryLater(channel, msg, err);
    }
    const mark = ctx.deadLetterMark;
    if (mark) return this.deadLetter(channel, msg, mark.code, mark.reason, 'handler', mark.afterwards);
    this.settle(channel, () => channel.ack(msg));
  }

  /** Moves a message to the dead-letter queue with its reason, confirmed, then acks the original. */
  private async deadLetter(
    channel: ConfirmChannel,
    msg: ConsumeMessage,
    code: string,
    reason: string,
    origin: DeadLetterEvent['origin'],
    afterwards?: () => Promise<void>,
  ): Promise<void> {
    const routingKey = msg.fields.routingKey;
    // The dead-letter exchange is a fanout: the key only documents. One AMQP cannot carry (over
    // 255 bytes, which the MQTT plugin lets through) is kept, cut short, in the header only.
    const carried = Buffer.byteLength(routingKey) <= MAX_SHORTSTR_BYTES;
    const headers = {
      ...(msg.properties.headers ?? {}),
      [DEAD_LETTER_HEADERS.code]: code,
      [DEAD_LETTER_HEADERS.reason]: reason,
      [DEAD_LETTER_HEADERS.routingKey]: carried ? routingKey : routingKey.slice(0, MAX_HEADER_KEY_CHARS),
      [DEAD_LETTER_HEADERS.exchange]: msg.fields.exchange,
      [DEAD_LETTER_HEADERS.rejectedAt]: Date.now(),
    };
    const options: Options.Publish = { ...msg.properties, headers, persistent: true } as Options.Publish;
    try {
      await new Promise<void>((resolve, reject) =>
        channel.publish(this.options.deadLetter.exchange, carried ? routingKey : '', msg.content, options, (err) =>
          err ? reject(err) : resolve(),
        ),
      );
    } catch (err) {
      return this.retryLater(channel, msg, err);
    }
    if (afterwards) {
      await afterwards().catch((err) => this.log.warn('after dead-lettering a message, its follow-up failed', { code, error: errorMessage(err) }));
    }
    this.settle(channel, () => channel.ack(msg));
    const event: DeadLetterEvent = { code, reason, routingKey, origin };
    // A handler logs its own refusals; the transport's own decisions would otherwise leave no trace.
    if (origin === 'transport') this.log.warn('message dead-lettered', { code, reason, routingKey: event.routingKey });
    this.notify('onDeadLetter', (o) => o.onDeadLetter?.(event));
  }

  private async retryLater(channel: ConfirmChannel, msg: ConsumeMessage, err: unknown): Promise<void> {
    this.log.warn('message processing failed; it will be redelivered', {
      routingKey: msg.fields.routingKey,
      error: errorMessage(err),
    });
    if (!this.closing) await sleep(this.options.retryDelayMs ?? 1_000);
    this.settle(channel, () => channel.nack(msg, false, true));
  }

  /** Acks or nacks on the channel the message came from, if it is still open. */
  private settle(channel: ConfirmChannel, action: () => void): void {
    if (this.channel !== channel) return; // channel lost: the broker redelivers the message
    if (this.heldSettles) {
      this.heldSettles.push(() => this.settle(channel, action));
      return;
    }
    try {
      action();
    } catch (err) {
      this.log.warn('could not settle a message; the broker will redeliver it', { error: errorMessage(err) });
    }
  }
}
