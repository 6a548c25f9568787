import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Channel, ConsumeMessage } from 'amqplib';
import { BrokerChannels, BrokerLink, BrokerManagementClient } from '../broker';
import { BROKER_EVENT_EXCHANGE, CONNECTION_EVENT_KEYS, listedProtocol, parseConnectionEvent } from './connection-event';
import { ConnectionRegistry, IdentifiedConnection } from './connection-registry';

/** Told of every connection once its identity and kind are known (the guard; presence later). */
export type IdentifiedListener = (connection: IdentifiedConnection) => void;

/** The management API lists a connection 0.5-5 s after it opened: look again once that has passed. */
const SECOND_LOOK_MS = 6000;
const CHANNEL_RETRY_MS = 5000;

/**
 * This instance's view of the broker's live connections, keyed by the identity in each token.
 * Every instance consumes the broker's connection events through an exclusive, server-named queue
 * of its own, declared on each (re)connection of the consuming connection: so every instance can
 * close any user's connections at once, and sees both events that identify a connection (they
 * would be split between instances on a shared queue). Events missed while disconnected, and
 * connections older than the queue, come from the management API's listings: right after the
 * queue is bound, and once more when its statistics lag has passed.
 */
@Injectable()
export class ConnectionTracker implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ConnectionTracker.name);
  readonly registry = new ConnectionRegistry();
  private readonly listeners: IdentifiedListener[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly broker: BrokerChannels,
    private readonly management: BrokerManagementClient,
  ) {}

  onIdentified(listener: IdentifiedListener): void {
    this.listeners.push(listener);
  }

  onModuleInit(): void {
    this.broker.onConsumerConnected((link) => this.listen(link));
  }

  onModuleDestroy(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Applies one broker event; exposed for the unit specs. */
  receive(routingKey: string, headers: Record<string, unknown> | undefined): void {
    const event = parseConnectionEvent(routingKey, headers);
    if (event) this.identified(this.registry.apply(event));
  }

  /** Adds what the management API lists to the view (never removes: events do that). */
  async reconcile(): Promise<void> {
    if (!this.management.configured) return;
    try {
      const [connections, owners] = await Promise.all([this.management.listConnections(), this.management.listChannelOwners()]);
      for (const c of connections) {
        const protocol = listedProtocol(c.protocol);
        const mqtt = protocol === 'mqtt' || protocol === 'web-mqtt';
        this.identified(this.registry.merge({ name: c.name, protocol, ...(mqtt && { clientId: c.clientId ?? null }) }));
      }
      for (const o of owners) this.identified(this.registry.merge({ name: o.connection, user: o.user }));
    } catch (err) {
      this.logger.warn({ error: (err as Error).message }, 'could not list the broker\'s connections; tracking only new ones');
    }
  }

  // Must not throw: a failure here would take the pipeline's consuming connection down with it.
  private async listen(link: BrokerLink): Promise<void> {
    let live = false;
    try {
      const channel = await link.model.createChannel();
      channel.on('error', (err: Error) => this.logger.warn({ error: err.message }, 'connection event channel error'));
      channel.once('close', () => live && this.onChannelClosed(link));
      await this.consume(channel);
      live = true;
    } catch (err) {
      this.logger.error(
        { error: (err as Error).message, exchange: BROKER_EVENT_EXCHANGE },
        'cannot consume the broker\'s connection events (is the rabbitmq_event_exchange plugin enabled?); rule-breaking clients are not closed',
      );
      return;
    }
    void this.reconcile();
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reconcile(), SECOND_LOOK_MS);
    this.timer.unref();
  }

  private async consume(channel: Channel): Promise<void> {
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    for (const key of CONNECTION_EVENT_KEYS) await channel.bindQueue(queue, BROKER_EVENT_EXCHANGE, key);
    // Anything known before this queue existed may have closed unseen: start from the listings.
    this.registry.clear();
    await channel.consume(queue, (msg) => msg && this.onMessage(msg), { noAck: true });
    this.logger.log({ queue, exchange: BROKER_EVENT_EXCHANGE }, 'tracking broker connections');
  }

  private onMessage(msg: ConsumeMessage): void {
    try {
      this.receive(msg.fields.routingKey, msg.properties.headers);
    } catch (err) {
      this.logger.warn({ error: (err as Error).message, event: msg.fields.routingKey }, 'ignored a broker event that could not be applied');
    }
  }

  // The channel alone may close (e.g. a channel error): open it again while the connection lives.
  // A failed set-up (e.g. no event exchange) is not retried before the next reconnection.
  private onChannelClosed(link: BrokerLink): void {
    // Checked later: when the whole connection goes, its channels close first.
    const retry = setTimeout(() => {
      if (!link.isCurrent()) return;
      this.logger.warn('connection event channel closed; opening it again');
      void this.listen(link);
    }, CHANNEL_RETRY_MS);
    retry.unref();
  }

  private identified(connection: IdentifiedConnection | null): void {
    if (!connection) return;
    for (const listener of this.listeners) {
      try {
        listener(connection);
      } catch (err) {
        this.logger.warn({ error: (err as Error).message }, 'a connection listener failed');
      }
    }
  }
}
