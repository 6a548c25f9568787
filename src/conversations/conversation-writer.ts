import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { BulkUpdates } from '../database';
import { ConversationChange, ConversationRevision, ConversationsRepository } from './conversations.repository';
import { LastMessage } from './conversation.schema';

/**
 * How long changes coalesce before a flush. Each flush costs one upsert per changed conversation,
 * and on FerretDB's SQLite backend upserts run at a few hundred per second: with 200 ms, 100 busy
 * conversations kept the database busy with summaries alone; with 1 s they take a fifth of that.
 */
const FLUSH_INTERVAL_MS = 1000;
/**
 * While messages keep arriving, the writer rests this many times as long as its last flush took,
 * so summaries never take more than a quarter of the database's time from the message inserts:
 * with many busy conversations they coalesce longer (and lag more) instead (docs/benchmarks.md,
 * "The summaries' lag").
 */
const REST_FACTOR = 3;
/**
 * The rest is for the inserts: once no message has been recorded for this long, there are none to
 * leave the database to, and the writer flushes (a burst's summaries show seconds sooner).
 */
const QUIET_MS = 250;
const MAX_RETRY_DELAY_MS = 10_000;

/**
 * Writes conversation summaries behind the message pipeline. Changes are coalesced per
 * conversation (last message wins, unread counts add up) and flushed by one writer (in small bulks
 * under BulkUpdates), so each conversation gets at most one update per flush and never two at
 * once. Summaries are derived from the stored messages, so a crash loses at most one window of
 * summary updates, never a message.
 */
@Injectable()
export class ConversationWriter implements OnModuleDestroy {
  private readonly logger = new Logger(ConversationWriter.name);
  private pending = new Map<string, ConversationChange>();
  /** Edited and deleted messages, by conversation and message, written after the changes of the same flush. */
  private revisions = new Map<string, ConversationRevision>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failures = 0;
  private stopped = false;
  /** No scheduled flush starts before this time (ms since epoch) while messages keep arriving. */
  private restUntil = 0;
  /** When the last message, revision included, was recorded (ms since epoch). */
  private lastRecordedAt = 0;

  constructor(
    private readonly repository: ConversationsRepository,
    private readonly bulkUpdates: BulkUpdates,
  ) {}

  /** Records a message in the sender's and the recipient's conversation. */
  recordMessage(appId: string, sender: string, recipient: string, last: LastMessage): void {
    this.merge({ appId, owner: sender, peer: recipient, last, unreadIncrement: 0 });
    if (sender !== recipient) this.merge({ appId, owner: recipient, peer: sender, last, unreadIncrement: 1 });
    this.arrived();
  }

  /**
   * Records a group message in the group's one summary (`owner` and `peer` are the group id):
   * its last message, and in `unread_count` how many messages the group has had. Members' own
   * counts derive from it (docs/groups.md), so a message costs one summary, not one per member.
   */
  recordGroupMessage(appId: string, groupId: string, last: LastMessage): void {
    this.merge({ appId, owner: groupId, peer: groupId, last, unreadIncrement: 1 });
    this.arrived();
  }

  /**
   * A message was edited or deleted: the summaries (`owner`/`peer`, as recorded) whose last message
   * it is show it as it is now. Written conditionally (only where it is still the last message),
   * after the flush's other changes, by this one writer; a change not yet written is written revised.
   */
  reviseMessage(appId: string, owner: string, peer: string, last: LastMessage): void {
    const key = `${appId}:${owner}:${peer}`;
    const pending = this.pending.get(key);
    if (pending?.last.message_id === last.message_id) pending.last = last;
    this.revisions.set(`${key}:${last.message_id}`, { appId, owner, peer, last });
    this.arrived();
  }

  get pendingCount(): number {
    return this.pending.size + this.revisions.size;
  }

  /** Writes everything pending now (used at shutdown and by tests). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pendingCount === 0) return;
    this.flushing = this.writePending().finally(() => (this.flushing = null));
    await this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    try {
      await this.flush();
    } catch (err) {
      this.logger.warn({ error: (err as Error).message, conversations: this.pendingCount }, 'conversation summaries not written at shutdown');
    }
  }

  /** A message (or a revision) was recorded: the pipeline is busy, and a flush is due. */
  private arrived(): void {
    this.lastRecordedAt = Date.now();
    this.schedule(FLUSH_INTERVAL_MS);
  }

  private merge(change: ConversationChange): void {
    const key = `${change.appId}:${change.owner}:${change.peer}`;
    const prev = this.pending.get(key);
    if (!prev) {
      this.pending.set(key, change);
      return;
    }
    prev.unreadIncrement += change.unreadIncrement;
    if (change.last.message_id > prev.last.message_id) prev.last = change.last;
  }

  private schedule(delay: number): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flushWhenRested().catch(() => undefined);
    }, delay);
  }

  private async flushWhenRested(): Promise<void> {
    while (this.flushing) await this.flushing;
    const now = Date.now();
    const rest = this.restUntil - now;
    const quietFor = now - this.lastRecordedAt;
    if (rest > 0 && quietFor < QUIET_MS) return this.schedule(Math.min(rest, QUIET_MS - quietFor));
    await this.flush();
  }

  private async writePending(): Promise<void> {
    const started = Date.now();
    const changes = [...this.pending.values()];
    const revisions = [...this.revisions];
    this.pending = new Map();
    this.revisions = new Map();
    // Small bulks under the engine's budget of FerretDB connections (BulkUpdates): one at a time
    // while messages arrive, so the inserts never wait behind several; side by side when none do
    // and at shutdown (the pipeline has stopped).
    const atOnce = !this.stopped && Date.now() - this.lastRecordedAt < QUIET_MS ? 1 : undefined;
    const changed = await this.bulkUpdates.inBulks(changes, (bulk) => this.repository.applyBulk(bulk), atOnce);
    // After the changes: a message recorded and revised in the same window ends up revised.
    const revised = changed.error
      ? { undone: revisions }
      : await this.bulkUpdates.inBulks(revisions, (bulk) => this.repository.reviseBulk(bulk.map(([, revision]) => revision)), atOnce);
    const error = changed.error ?? revised.error;
    if (error) {
      // Put back what was not written (under anything newer) and try again later.
      for (const change of changed.undone) this.merge(change);
      for (const [key, revision] of revised.undone) if (!this.revisions.has(key)) this.revisions.set(key, revision);
      this.failures++;
      const delay = Math.min(MAX_RETRY_DELAY_MS, FLUSH_INTERVAL_MS * 2 ** this.failures);
      this.logger.warn(
        { error: (error as Error).message, conversations: changed.undone.length, revisions: revised.undone.length, retryInMs: delay },
        'conversation summaries not written; retrying',
      );
      this.schedule(delay);
      throw error;
    }
    this.failures = 0;
    const took = Date.now() - started;
    this.restUntil = Date.now() + REST_FACTOR * took;
    this.logger.debug({ conversations: changes.length, revisions: revisions.length, ms: took, waiting: this.pendingCount }, 'conversation summaries written');
    if (this.pendingCount > 0) this.schedule(FLUSH_INTERVAL_MS);
  }
}
