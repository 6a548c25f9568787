import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Channel, ConsumeMessage } from 'amqplib';
import { PublishRequest } from '@app/amqp-transport';
import {
  commandIdOf,
  parsePresenceCommand,
  parsePresenceWatch,
  PresenceResult,
  PresenceResultCode,
  TopicLayout,
} from '@app/protocol';
import { BrokerChannels, BrokerLink, BrokerManagementClient } from '../broker';
import { AppConfig } from '../config';
import { BROKER_EVENT_EXCHANGE, listedProtocol, parseConnectionEvent } from '../connections/connection-event';
import { isMqttKind, LiveConnection } from '../connections/connection-registry';
import { ConnectionsRepository, fromDoc } from '../connections/connections.repository';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyChange, PolicyChangeListener, PolicyEvents } from '../policy/events';
import { PolicyService } from '../policy/policy.service';
import { AdminStatusReply, parseAdminStatusRequest } from './admin-status';
import { Effects, PresenceModel } from './presence-model';
import { PresenceNotices } from './presence-notices';
import { ADMIN_SET_STATUS, declarePresenceQueue } from './presence-queue';
import { PresenceRepository } from './presence.repository';
import { PresenceWriter } from './presence-writer';

/** How often an instance that is not the leader tries to become it. */
const TAKEOVER_RETRY_MS = 2000;
/** How often held-back offlines and waiting settings are looked at. */
const TICK_MS = 250;
/** Events taken from the queue before the earliest is acknowledged (acks wait for the database). */
const PREFETCH = 10_000;
const BATCH = 500;
/** How long a client-id takeover may take to identify before the user shows offline after all. */
const TAKEOVER_GRACE_MS = 2000;
/** The management API lists a connection 0.5-5 s after it opened (docs/rabbitmq.md). */
const LISTING_LAG_MS = 10_000;
/** How long a shutdown waits for the batch under way to be stored. */
const SHUTDOWN_FLUSH_MS = 2000;

/** One leadership: the channel that holds the queue's exclusive consumer, and the state built under it. */
interface Term {
  channel: Channel;
  model: PresenceModel;
  writer: PresenceWriter;
  inbox: ConsumeMessage[];
  ready: boolean;
  ended: boolean;
  /** A listing of the broker's connections fetched (outside the loop) and waiting to be applied, with when it was asked for. */
  listing: { connections: LiveConnection[]; listedAt: number } | null;
  listingUnderWay: boolean;
  tickDue: boolean;
  blockChanges: Array<{ blocker: string; blocked: string }>;
  running: boolean;
}

/**
 * Applies everything presence is made of, on exactly one engine instance at a time (docs/presence.md).
 * Every instance declares the durable presence queue and tries to consume it with an exclusive
 * consumer; the broker lets one succeed, and when that instance or its connection goes the next
 * try of another (every TAKEOVER_RETRY_MS) succeeds: that is the leader election, held by the
 * broker. The leader loads the stored state, reconciles it with the broker's listing of live
 * connections, then applies events and commands in batches: state in memory first, then the
 * notices to watchers and results to clients, then (PresenceWriter) the database, then the acks.
 */
@Injectable()
export class PresenceApplier implements OnModuleInit, OnModuleDestroy, PolicyChangeListener {
  private readonly logger = new Logger(PresenceApplier.name);
  private term: Term | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private destroyed = false;
  /** The newest consuming connection: tries on older ones stop. */
  private link: BrokerLink | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly topics: TopicLayout,
    private readonly broker: BrokerChannels,
    private readonly management: BrokerManagementClient,
    private readonly connections: ConnectionsRepository,
    private readonly store: PresenceRepository,
    private readonly notices: PresenceNotices,
    private readonly policy: PolicyService,
    private readonly policyEvents: PolicyEvents,
    private readonly metrics: MetricsService,
  ) {}

  /** The current term's model, when this instance leads (exposed for metrics and tests). */
  get model(): PresenceModel | null {
    return this.term?.ready ? this.term.model : null;
  }

  onModuleInit(): void {
    this.policyEvents.subscribe(this);
    this.broker.onConsumerConnected((link) => this.onConnected(link));
    this.metrics.observePresence(() => this.model);
    this.every(TICK_MS, () => this.kick((t) => (t.tickDue = true)));
    this.every(this.config.presence.reconcileMs, () => this.fetchListing());
    if (!this.management.configured) this.logger.warn('RABBITMQ_MANAGEMENT_URL is not set: presence cannot reconcile with the broker, nor close connections');
  }

  /** Lets the batch under way finish and be stored (bounded), so the next leader does not apply and announce it again. */
  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    for (const t of this.timers) clearInterval(t);
    const term = this.term;
    for (const deadline = Date.now() + SHUTDOWN_FLUSH_MS; term && (term.running || term.writer.busy) && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    this.endTerm();
  }

  onPolicyChange(change: PolicyChange): void {
    if (change.type === 'block.changed') this.kick((t) => t.blockChanges.push({ blocker: change.blocker, blocked: change.blocked }));
  }

  onPolicyReset(): void {
    // Blocks are read through the policy cache at each notice: nothing held here to forget.
  }

  // Must not throw: it runs in the consuming connection's set-up, which the pipeline shares.
  private async onConnected(link: BrokerLink): Promise<void> {
    try {
      const channel = await link.model.createChannel();
      await declarePresenceQueue(channel, this.config.presence.queue, this.topics);
      await channel.close();
    } catch (err) {
      this.logger.error({ error: (err as Error).message }, 'cannot declare the presence queue (is the rabbitmq_event_exchange plugin enabled?); presence is not tracked');
      return;
    }
    this.link = link;
    // Not now: the connection counts as connected only once every set-up has run.
    this.later(0, () => void this.tryToLead(link));
  }

  private async tryToLead(link: BrokerLink): Promise<void> {
    if (this.destroyed || this.link !== link || this.term) return;
    try {
      const channel = await link.model.createChannel();
      channel.on('error', () => undefined); // a refused consume closes the channel: expected
      await channel.prefetch(PREFETCH);
      const term = this.newTerm(channel);
      await channel.consume(this.config.presence.queue, (msg) => msg && this.receive(term, msg), { exclusive: true });
      this.term = term;
      channel.once('close', () => this.onTermChannelClosed(term, link));
      this.logger.log({ queue: this.config.presence.queue }, "leading presence: this instance applies the broker's connection events");
      this.metrics.presenceLeader.set(1);
      void this.start(term);
    } catch (err) {
      // Another instance leads (ACCESS_REFUSED, 403), or the connection went: try again later.
      if ((err as { code?: unknown }).code !== 403) this.logger.warn({ error: (err as Error).message }, 'could not consume the presence queue; trying again');
      this.later(TAKEOVER_RETRY_MS, () => void this.tryToLead(link));
    }
  }

  private newTerm(channel: Channel): Term {
    const model = new PresenceModel({
      maxConnectionsPerUser: this.config.presence.maxConnectionsPerUser,
      takeoverGraceMs: TAKEOVER_GRACE_MS,
      listingLagMs: LISTING_LAG_MS,
    });
    return {
      channel,
      model,
      writer: new PresenceWriter(model, this.connections, this.store),
      inbox: [],
      ready: false,
      ended: false,
      listing: null,
      listingUnderWay: false,
      tickDue: false,
      blockChanges: [],
      running: false,
    };
  }

  private onTermChannelClosed(term: Term, link: BrokerLink): void {
    if (term.ended) return;
    term.ended = true;
    term.writer.stop();
    if (this.term === term) this.term = null;
    this.metrics.presenceLeader.set(0);
    // When the whole connection went, its own log says so; a lone channel closing is worth a warning.
    if (term.ready && link.isCurrent()) this.logger.warn('stopped leading presence (its channel closed); the broker hands the queue to the next instance that asks');
    this.later(TAKEOVER_RETRY_MS, () => void this.tryToLead(link));
  }

  /** Loads the stored state; on failure gives the queue up (another instance, or this one later, tries again). */
  private async start(term: Term): Promise<void> {
    try {
      const [stored, presence] = await Promise.all([this.connections.all(), this.store.loadAll()]);
      term.model.restore(stored.map(fromDoc), presence.presence, presence.watches);
    } catch (err) {
      this.logger.warn({ error: (err as Error).message }, 'could not load the stored presence; giving the queue up for now');
      await term.channel.close().catch(() => undefined);
      return;
    }
    term.ready = true;
    void this.run(term);
    this.fetchListing();
    // A second look once the listing's lag has passed: a connection that died with a crashed broker
    // just after it opened is too new for the first look to drop.
    this.later(LISTING_LAG_MS + 1000, () => this.fetchListing());
  }

  private receive(term: Term, msg: ConsumeMessage): void {
    term.inbox.push(msg);
    if (term.ready && !term.running) void this.run(term);
  }

  private kick(mark: (term: Term) => void): void {
    const term = this.term;
    if (!term || term.ended) return;
    mark(term);
    if (term.ready && !term.running) void this.run(term);
  }

  /** The term's one loop: everything that changes the model runs here, in order. */
  private async run(term: Term): Promise<void> {
    term.running = true;
    try {
      while (!term.ended && (term.inbox.length > 0 || term.listing || term.tickDue || term.blockChanges.length > 0)) {
        const fx = new Effects();
        const out: PublishRequest[] = [];
        if (term.listing) {
          const { connections, listedAt } = term.listing;
          term.listing = null;
          term.model.reconcile(connections, listedAt, Date.now(), fx);
        }
        const batch = term.inbox.splice(0, BATCH);
        for (const msg of batch) await this.dispatch(term, msg, fx, out);
        if (term.tickDue) {
          term.tickDue = false;
          term.model.tick(Date.now(), fx);
        }
        for (const change of term.blockChanges.splice(0)) out.push(...(await this.blockChanged(term.model, change)));
        const now = Date.now();
        for (const requests of await Promise.all([...fx.changed].map((user) => this.notices.toWatchers(term.model, user, now)))) out.push(...requests);
        if (out.length > 0) await this.notices.publishAll(out);
        for (const { connection, reason } of fx.close) void this.close(connection, reason);
        if (batch.length > 0) {
          const last = batch[batch.length - 1];
          term.writer.submit(fx, () => !term.ended && term.channel.ack(last, true));
        } else if (!fx.empty) {
          term.writer.submit(fx, () => undefined);
        }
      }
    } catch (err) {
      // A publish or the database failed: give the queue up, so the events are applied again (by the next leader).
      this.logger.warn({ error: (err as Error).message }, 'presence batch failed; giving the queue up');
      await term.channel.close().catch(() => undefined);
    } finally {
      term.running = false;
    }
  }

  private async dispatch(term: Term, msg: ConsumeMessage, fx: Effects, out: PublishRequest[]): Promise<void> {
    const now = Date.now();
    const { exchange, routingKey } = msg.fields;
    if (exchange === BROKER_EVENT_EXCHANGE) {
      const event = parseConnectionEvent(routingKey, msg.properties.headers);
      if (event) term.model.apply(event, now, fx);
      this.metrics.presenceEvents.inc({ kind: event ? event.type : 'ignored' });
      return;
    }
    if (exchange === '' && msg.properties.type === ADMIN_SET_STATUS) {
      this.answerAdmin(term, msg, fx, now);
      return;
    }
    const topic = this.topics.parseRoutingKey(routingKey);
    if (topic?.kind !== 'presence-command' && topic?.kind !== 'presence-watch') return;
    this.metrics.presenceEvents.inc({ kind: topic.kind });
    const user = topic.owner;
    const command = topic.kind === 'presence-command' ? 'status' : 'watch';
    // The command's own id, when it has a valid one, also on a refusal: clients match answers by it.
    const commandId = commandIdOf(msg.content);
    const refuse = (code: PresenceResultCode, reason: string) =>
      out.push(this.notices.result(user, { command, ...(commandId && { command_id: commandId }), ok: false, code, reason, timestamp: now }));
    const limited = this.policy.admit(user);
    if (limited) return void refuse(limited.code, limited.reason);
    const maxBytes = this.config.pipeline.maxPayloadBytes;
    if (command === 'status') {
      const parsed = parsePresenceCommand(msg.content, maxBytes);
      if (!parsed.ok) return void refuse(parsed.code, parsed.reason);
      const { status, text, command_id } = parsed.value;
      term.model.setStatus(user, status, text ?? undefined, now, fx);
      const result: PresenceResult = { command, ...(command_id && { command_id }), ok: true, status, ...(text && { text }), timestamp: now };
      out.push(this.notices.result(user, result));
      return;
    }
    const parsed = parsePresenceWatch(msg.content, maxBytes, this.config.presence.maxWatched);
    if (!parsed.ok) return void refuse(parsed.code, parsed.reason);
    const { users, command_id } = parsed.value;
    term.model.watch(user, users, now, fx);
    const registered = users.length > 0 ? await this.policy.registeredAmong(users) : new Set<string>();
    const unknown = users.filter((u) => !registered.has(u));
    out.push(this.notices.result(user, { command, ...(command_id && { command_id }), ok: true, watched: users.length, ...(unknown.length > 0 && { unknown }), timestamp: now }));
    out.push(...(await this.notices.toWatcher(term.model, user, users, now)));
  }

  /** An admin's status change (PresenceService.setStatus): applied here, answered on the requester's reply queue. */
  private answerAdmin(term: Term, msg: ConsumeMessage, fx: Effects, now: number): void {
    const request = parseAdminStatusRequest(msg.content);
    let reply: AdminStatusReply;
    if (!request) reply = { ok: false, reason: 'malformed request' };
    else if (!term.model.isOnline(request.user)) reply = { ok: false, offline: true, reason: `${request.user} is offline: a status lasts while the user is connected` };
    else {
      term.model.setStatus(request.user, request.status, request.text, now, fx);
      reply = { ok: true };
    }
    const { replyTo, correlationId } = msg.properties;
    if (typeof replyTo !== 'string') return;
    // Answered once stored, so the admin's next read shows it.
    fx.afterStore.push(() => !term.ended && term.channel.sendToQueue(replyTo, Buffer.from(JSON.stringify(reply)), { correlationId }));
  }

  /** Each side of a block (made or lifted) that watches the other hears the other's presence as it may see it now. */
  private async blockChanged(model: PresenceModel, change: { blocker: string; blocked: string }): Promise<PublishRequest[]> {
    const now = Date.now();
    const out: PublishRequest[] = [];
    for (const [watcher, user] of [[change.blocker, change.blocked], [change.blocked, change.blocker]]) {
      if (model.watchedBy(watcher).has(user)) out.push(...(await this.notices.toWatcher(model, watcher, [user], now)));
    }
    return out;
  }

  /**
   * Fetches the broker's listing of live connections outside the term's loop (it may take seconds
   * with many connections), then hands it to the loop to apply in order with the events.
   */
  private fetchListing(): void {
    const term = this.term;
    if (!term || term.ended || !term.ready || term.listingUnderWay || !this.management.configured) return;
    term.listingUnderWay = true;
    const listedAt = Date.now();
    void Promise.all([this.management.listConnections(), this.management.listChannelOwners()])
      .then(([connections, owners]) => {
        const userOf = new Map(owners.map((o) => [o.connection, o.user]));
        const listed: LiveConnection[] = connections.map((c) => {
          const protocol = listedProtocol(c.protocol);
          return {
            name: c.name,
            protocol,
            ...(isMqttKind({ protocol }) && { clientId: c.clientId ?? null }),
            ...(userOf.has(c.name) && { user: userOf.get(c.name) }),
            connectedAt: c.connectedAt ?? null,
            peer: c.peer ?? null,
          };
        });
        this.metrics.presenceReconciliations.inc({ outcome: 'done' });
        this.kick((t) => t === term && (t.listing = { connections: listed, listedAt }));
      })
      .catch((err: unknown) => {
        this.metrics.presenceReconciliations.inc({ outcome: 'failed' });
        this.logger.warn({ error: (err as Error).message }, "could not list the broker's connections; presence keeps its view until the next try");
      })
      .finally(() => (term.listingUnderWay = false));
  }

  private async close(connection: LiveConnection, reason: string): Promise<void> {
    // No client id in the log: whoever reads it could use a live one to have its owner kicked.
    if (!this.management.configured) return;
    const context = { user_id: connection.user, connection: connection.name, protocol: connection.protocol };
    try {
      const closed = await this.management.closeConnection(connection.name, reason);
      this.logger.warn({ ...context, closed }, `closed a broker connection: ${reason}`);
    } catch (err) {
      this.logger.warn({ ...context, error: (err as Error).message }, 'could not close a broker connection');
    }
  }

  private endTerm(): void {
    const term = this.term;
    if (!term) return;
    term.ended = true;
    term.writer.stop();
    this.term = null;
  }

  private every(ms: number, work: () => void): void {
    const timer = setInterval(work, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private later(ms: number, work: () => void): void {
    if (this.destroyed) return;
    const timer = setTimeout(work, ms);
    timer.unref();
  }
}
