import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { PublishRequest } from '@app/amqp-transport';
import { AppConfig } from '../config';
import { ConversationWriter } from '../conversations/conversation-writer';
import { toDelivered } from '../messages/message.mapper';
import { MessageRecord } from '../messages/message.record';
import { MessagesRepository } from '../messages/messages.repository';
import { MetricsService } from '../metrics/metrics.service';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { MicroBatcher } from '../common/async';
import { retryWhileLive } from './retry';

/** A message that passed validation and policy, with its engine-assigned id and time. */
export interface AcceptedMessage {
  record: MessageRecord;
  /** A group message's members at acceptance, each of whom gets a copy (the sender among them). */
  audience?: readonly string[];
  /** Its position in the delivery order (batches are stored and published in this order). */
  order: number;
  /** False once the message's channel is gone (the broker will redeliver it): stop working on it. */
  isLive: () => boolean;
  receivedAt: number;
}

/**
 * What became of a message: stored and published (`delivered`), already stored before
 * (`duplicate`), given up because its channel is gone (`abandoned`: the broker redelivers it),
 * or refused for good by the database or the broker, alone (`unprocessable`, with why).
 */
export type BatchOutcome = 'delivered' | 'duplicate' | 'abandoned' | { unprocessable: string };

interface Pending {
  message: AcceptedMessage;
  resolve: (outcome: BatchOutcome) => void;
  /** performance.now() when it was handed to the step. */
  queuedAt: number;
}

/** Batches published and awaiting the broker's confirms at once (the prefetch bounds the messages). */
const MAX_UNCONFIRMED_BATCHES = 16;

/**
 * The pipeline's durable step, batched across the prefetch window (MicroBatcher), in two
 * overlapping stages:
 * 1. store: batches are taken in delivery order, one at a time, and each is stored with one
 *    unordered insert; its copies are then published at once, in order, on the confirm channel;
 * 2. confirm: while the next batch is stored, the broker confirms the previous ones; once every
 *    copy of a batch is confirmed its callers are told (and the door acks), and the conversation
 *    summaries are updated (written behind).
 * The store stage does not wait for confirms (a broker confirms persistent messages after its
 * disk sync, which would otherwise cap the pipeline at one batch per sync), so one sender's
 * messages are still published in the order they arrived. A failing database or broker is retried
 * with backoff (the unacked messages wait, and the consumer stops receiving more once the
 * prefetch window is full); nothing is dead-lettered for a transient cause.
 */
@Injectable()
export class StoreAndDeliver implements OnModuleDestroy {
  private readonly logger = new Logger(StoreAndDeliver.name);
  private readonly batcher: MicroBatcher<Pending>;

  constructor(
    private readonly config: AppConfig,
    private readonly messages: MessagesRepository,
    private readonly delivery: DeliveryPublisher,
    private readonly conversations: ConversationWriter,
    private readonly metrics: MetricsService,
  ) {
    const { batchMaxSize, batchMaxWaitMs } = config.pipeline;
    this.batcher = new MicroBatcher<Pending>(
      { maxSize: batchMaxSize, maxWaitMs: batchMaxWaitMs, orderOf: (p) => p.message.order, maxTails: MAX_UNCONFIRMED_BATCHES },
      (batch) => this.store(batch),
    );
  }

  /** Resolves once the message is stored and both copies are confirmed by the broker. */
  submit(message: AcceptedMessage): Promise<BatchOutcome> {
    if (this.batcher.isStopped) return Promise.resolve('abandoned');
    return new Promise((resolve) => this.batcher.add({ message, resolve, queuedAt: performance.now() }));
  }

  onModuleDestroy(): void {
    this.abandon(this.batcher.stop());
  }

  /**
   * Stores the batch and publishes its copies; resolves once they are published (not yet
   * confirmed) with the promise of the rest (wrapped: a promise would be awaited), or with null
   * when the batch was given up.
   */
  private async store(all: Pending[]): Promise<{ tail: Promise<void> } | null> {
    this.metrics.batchSize.observe(all.length);
    const started = performance.now();
    for (const p of all) this.metrics.stage.observe({ stage: 'batch_wait' }, (started - p.queuedAt) / 1000);
    // Each message's copies (two, or one per group member), built (serialised) once: checked against the broker's limit before
    // anything is stored, and published as they are unless the store kept an earlier version.
    const copiesOf = (p: Pending, r: MessageRecord) => this.delivery.deliveryRequests(toDelivered(r, this.config.appId), p.message.audience);
    const copies = new Map(all.map((p) => [p, copiesOf(p, p.message.record)]));
    const batch = this.refuseUnpublishable(all, copies);
    const live = () => batch.filter((p) => p.message.isLive());

    // One record per dedupe key (a key sent twice in one batch is stored once).
    const canonical = new Map<string, MessageRecord>();
    for (const p of batch) if (!canonical.has(p.message.record.dedupe_key)) canonical.set(p.message.record.dedupe_key, p.message.record);
    const inserting = performance.now();
    const inserted = await this.retry('insert_messages', live, async () => {
      const end = this.metrics.dbWrite.startTimer({ operation: 'insert_messages' });
      const outcome = await this.messages.insertBatch([...canonical.values()]);
      end();
      return outcome;
    });
    this.metrics.stage.observe({ stage: 'insert' }, (performance.now() - inserting) / 1000);
    if (inserted === null) {
      this.abandon(batch);
      return null;
    }
    const { duplicates, refused } = inserted;
    const stored = batch.filter((p) => {
      const reason = refused.get(p.message.record.dedupe_key);
      if (reason !== undefined) p.resolve({ unprocessable: `the database refused the message: ${reason}` });
      const earlier = duplicates.get(p.message.record.dedupe_key);
      // The same client_message_id once sent elsewhere: not a redelivery, and never re-published into that conversation.
      const elsewhere = earlier !== undefined && earlier.recipient !== p.message.record.recipient;
      if (elsewhere) p.resolve({ unprocessable: 'this client_message_id was used for a message to another recipient' });
      return reason === undefined && !elsewhere;
    });

    // The copies of every message, from the stored version (a duplicate keeps its first id). Direct
    // messages' copies go out before groups': a big fan-out does not hold up the batch's direct
    // messages (each conversation keeps its order: a group's messages stay in order among themselves).
    const version = (p: Pending) => duplicates.get(p.message.record.dedupe_key) ?? canonical.get(p.message.record.dedupe_key)!;
    const copiesToPublish = (p: Pending) => {
      const kept = version(p);
      return kept === p.message.record ? copies.get(p)! : copiesOf(p, kept);
    };
    const isGroup = (p: Pending) => p.message.audience !== undefined;
    const requests = [...stored.filter((p) => !isGroup(p)), ...stored.filter(isGroup)].flatMap(copiesToPublish);
    const liveStored = () => stored.filter((p) => p.message.isLive());
    // The first attempt publishes synchronously, so batches go out in order.
    const publishing = performance.now();
    const confirmed = this.retry('publish', liveStored, () => this.delivery.publishAll(requests)).then((done) => {
      this.metrics.stage.observe({ stage: 'publish_confirm' }, (performance.now() - publishing) / 1000);
      if (done === null) this.abandon(stored);
      else this.settle(stored, (p) => version(p)._id === p.message.record._id);
    });
    return { tail: confirmed };
  }

  /**
   * Refuses, before anything is stored, the messages whose copies the broker would refuse for
   * good (a body over its message size limit closes the publishing channel, and would again on
   * every retry); returns the rest.
   */
  private refuseUnpublishable(batch: Pending[], copies: Map<Pending, PublishRequest[]>): Pending[] {
    return batch.filter((p) => {
      const problem = this.delivery.unpublishable(copies.get(p)!);
      if (problem) p.resolve({ unprocessable: problem });
      return !problem;
    });
  }

  /** Tells the callers, then updates the conversation summaries (written behind). */
  private settle(batch: Pending[], isFirst: (p: Pending) => boolean): void {
    const now = Date.now();
    for (const p of batch) {
      const first = isFirst(p);
      if (first) {
        const r = p.message.record;
        const last = { message_id: r._id, sender: r.sender, type: r.type, text: r.text, timestamp: r.timestamp };
        if (r.channel_type === 'group') this.conversations.recordGroupMessage(r.app_id, r.recipient, last);
        else this.conversations.recordMessage(r.app_id, r.sender, r.recipient, last);
      }
      this.metrics.pipelineLatency.observe((now - p.message.receivedAt) / 1000);
      p.resolve(first ? 'delivered' : 'duplicate');
    }
  }

  /** Runs the step until it succeeds; null when every message of the batch was given up. */
  private async retry<T>(operation: string, live: () => Pending[], step: () => Promise<T>): Promise<T | null> {
    const result = await retryWhileLive(step, {
      operation,
      logger: this.logger,
      live: () => !this.batcher.isStopped && live().length > 0,
      onFailure: () => (operation === 'publish' ? this.metrics.brokerErrors.inc() : this.metrics.dbErrors.inc({ operation })),
    });
    return result.ok ? result.value : null;
  }

  private abandon(batch: Pending[]): void {
    for (const p of batch) p.resolve('abandoned');
  }
}
