import { Injectable } from '@nestjs/common';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The engine's Prometheus metrics (docs/operations.md says what each means). */
/** What the presence gauges read. */
export interface PresenceView {
  readonly onlineUsers: number;
  connectionsByProtocol(): Map<string, number>;
}

@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly received = new Counter({
    name: 'engine_messages_received_total',
    help: 'Messages consumed from the engine queue, by topic kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  readonly delivered = new Counter({
    name: 'engine_messages_delivered_total',
    help: 'Messages stored and published to both inboxes (broker-confirmed)',
    registers: [this.registry],
  });

  readonly duplicates = new Counter({
    name: 'engine_messages_duplicate_total',
    help: 'Messages already stored (same sender and client_message_id), re-published with their first message_id',
    registers: [this.registry],
  });

  readonly rejected = new Counter({
    name: 'engine_messages_rejected_total',
    help: 'Messages refused, by code',
    labelNames: ['code'],
    registers: [this.registry],
  });

  readonly deadLettered = new Counter({
    name: 'engine_messages_dead_lettered_total',
    help: 'Messages moved to the dead-letter queue, by code',
    labelNames: ['code'],
    registers: [this.registry],
  });

  readonly deadLettersDropped = new Counter({
    name: 'engine_dead_letters_dropped_total',
    help: 'Dead letters the dead-letter queue cap dropped (the oldest first), by the code they were dead-lettered with',
    labelNames: ['code'],
    registers: [this.registry],
  });

  readonly deadLetterQueueCapped = new Gauge({
    name: 'engine_dead_letter_queue_capped',
    help: '1 when the dead-letter queue has its cap (DEAD_LETTER_MAX_LENGTH / _BYTES), 0 when an older uncapped queue was kept because it holds messages',
    registers: [this.registry],
  });

  readonly redelivered = new Counter({
    name: 'engine_messages_redelivered_total',
    help: 'Messages the broker delivered again (after a consumer crash or a retry)',
    registers: [this.registry],
  });

  readonly pipelineLatency = new Histogram({
    name: 'engine_pipeline_latency_seconds',
    help: 'From consume to broker-confirmed delivery',
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** Where a message's time goes (docs/operations.md): see STAGES. */
  readonly stage = new Histogram({
    name: 'engine_stage_seconds',
    help: 'Time in each stage of the message path: policy and batch_wait per message, insert and publish_confirm per batch',
    labelNames: ['stage'],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly summaryLag = new Histogram({
    name: 'engine_summary_lag_seconds',
    help: 'How far the conversation lists lag the messages: per insert of change records, from the first change it holds (a message stored, edited or deleted) to the insert',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });

  readonly dbWrite = new Histogram({
    name: 'engine_db_write_seconds',
    help: 'Database write duration, by operation',
    labelNames: ['operation'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly batchSize = new Histogram({
    name: 'engine_batch_size',
    help: 'Messages per persisted batch',
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000],
    registers: [this.registry],
  });

  readonly dbErrors = new Counter({
    name: 'engine_db_errors_total',
    help: 'Failed database calls on the pipeline, by operation',
    labelNames: ['operation'],
    registers: [this.registry],
  });

  readonly brokerErrors = new Counter({
    name: 'engine_broker_errors_total',
    help: 'Failed broker publishes on the pipeline',
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'engine_queue_messages',
    help: 'Messages ready in a queue (engine queue and dead-letter queue), sampled on scrape',
    labelNames: ['queue'],
    registers: [this.registry],
  });

  readonly oldestMessageAge = new Gauge({
    name: 'engine_oldest_message_age_seconds',
    help: 'How long the oldest message the engine is still handling has waited (0 when none), sampled on scrape',
    registers: [this.registry],
  });

  /** 1 on the instance that applies presence events (docs/presence.md), 0 elsewhere. */
  readonly presenceLeader = new Gauge({
    name: 'engine_presence_leader',
    help: '1 when this instance applies the broker\'s connection events and presence commands, else 0',
    registers: [this.registry],
  });

  readonly presenceEvents = new Counter({
    name: 'engine_presence_events_total',
    help: 'Presence inputs applied by this instance: broker connection events by type, presence commands and watch lists',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  readonly presenceReconciliations = new Counter({
    name: 'engine_presence_reconciliations_total',
    help: 'Reconciliations of the tracked connections with the broker\'s listing, by outcome (done, failed)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  /** Typing indicators (docs/receipts.md#typing): none is stored, answered or dead-lettered, so this is where drops show. */
  readonly typing = new Counter({
    name: 'engine_typing_total',
    help: 'Typing indicators consumed, by outcome: relayed, or why dropped (malformed, redelivered, rate_limited, self, sender_disabled, unknown_recipient, blocked, group_not_found, not_a_member, refused, group_too_large, publish_failed)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  readonly typingNotices = new Counter({
    name: 'engine_typing_notices_total',
    help: 'Typing notices published, one per recipient (a group indicator fans out to its other members)',
    registers: [this.registry],
  });

  private presenceView: () => PresenceView | null = () => null;

  readonly liveConnections: Gauge<'protocol'> = new Gauge({
    name: 'engine_connections',
    help: 'Live broker connections by protocol (mqtt, web-mqtt, amqp, other), as tracked by the presence leader (0 elsewhere)',
    labelNames: ['protocol'],
    registers: [this.registry],
    collect: () => {
      this.liveConnections.reset();
      const view = this.presenceView();
      if (view) for (const [protocol, n] of view.connectionsByProtocol()) this.liveConnections.set({ protocol }, n);
    },
  });

  readonly onlineUsers: Gauge = new Gauge({
    name: 'engine_online_users',
    help: 'Users with at least one live MQTT or Web-MQTT connection, as tracked by the presence leader (0 elsewhere)',
    registers: [this.registry],
    collect: () => this.onlineUsers.set(this.presenceView()?.onlineUsers ?? 0),
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where the connection and online gauges read from at scrape time. */
  observePresence(view: () => PresenceView | null): void {
    this.presenceView = view;
  }
}
