import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { backoffCeiling } from '@app/backoff';
import { Types } from 'mongoose';
import { ConversationChangeItem, ConversationChangeRecord } from './conversation-change.schema';
import { ConversationChangesRepository } from './conversation-changes.repository';
import { ConversationFolder } from './conversation-folder';
import { addTo, ConversationChange, ConversationRevision } from './conversations.repository';
import { LastMessage } from './conversation.schema';
import { MetricsService } from '../metrics/metrics.service';

/**
 * How long changes coalesce before they are inserted: the lists show a message this long after it
 * at most (plus the insert, milliseconds), and each owner with changes gets one record per window.
 */
const FLUSH_INTERVAL_MS = 250;
/** A failed insert is tried again after 0.5 s, doubling up to 10 s. */
const RETRY = { initialMs: 2 * FLUSH_INTERVAL_MS, maxMs: 10_000 };

/**
 * Records conversation summaries' changes behind the message pipeline. Changes are coalesced per
 * conversation (last message wins, unread counts add up) and inserted, all of a window in one
 * `insertMany` of one record per owner, which readers merge over the summaries (ConversationSummaries);
 * the folder writes them into the summaries later. Summaries are derived from the stored messages,
 * so a crash loses at most one window of changes, never a message.
 */
@Injectable()
export class ConversationWriter implements OnModuleDestroy {
  private readonly logger = new Logger(ConversationWriter.name);
  private pending = new Map<string, ConversationChange>();
  /** Edited and deleted messages, by conversation and message. */
  private revisions = new Map<string, ConversationRevision>();
  /** Records of a failed insert, inserted again as they are (same `_id`s) before anything newer. */
  private unsent: ConversationChangeRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failures = 0;
  private stopped = false;
  /** When the oldest change not inserted yet was recorded (ms), for `engine_summary_lag_seconds`: of this window, of `unsent`. */
  private oldestSince: number | null = null;
  private unsentSince: number | null = null;

  constructor(
    private readonly changes: ConversationChangesRepository,
    private readonly folder: ConversationFolder,
    private readonly metrics: MetricsService,
  ) {}

  /** Records a message in the sender's and the recipient's conversation. */
  recordMessage(appId: string, sender: string, recipient: string, last: LastMessage): void {
    this.merge({ appId, owner: sender, peer: recipient, last, unreadIncrement: 0 });
    if (sender !== recipient) this.merge({ appId, owner: recipient, peer: sender, last, unreadIncrement: 1 });
    this.changed();
  }

  /**
   * Records a group message in the group's one summary (`owner` and `peer` are the group id):
   * its last message, and in `unread_count` how many messages the group has had. Members' own
   * counts derive from it (docs/groups.md), so a message costs one summary, not one per member.
   */
  recordGroupMessage(appId: string, groupId: string, last: LastMessage): void {
    this.merge({ appId, owner: groupId, peer: groupId, last, unreadIncrement: 1 });
    this.changed();
  }

  /**
   * A message was edited or deleted: the summaries (`owner`/`peer`, as recorded) whose last message
   * it is show it as it is now. A change not inserted yet is inserted revised; the revision itself
   * is a record of its own, which replaces the last message only where it is the same message.
   */
  reviseMessage(appId: string, owner: string, peer: string, last: LastMessage): void {
    const key = `${appId}:${owner}:${peer}`;
    const pending = this.pending.get(key);
    if (pending?.last.message_id === last.message_id) pending.last = last;
    this.revisions.set(`${key}:${last.message_id}`, { appId, owner, peer, last });
    this.changed();
  }

  get pendingCount(): number {
    return this.pending.size + this.revisions.size + this.unsent.length;
  }

  /** Inserts everything pending now (used at shutdown and by tests). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pendingCount === 0) return;
    this.flushing = this.insertPending().finally(() => (this.flushing = null));
    await this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    try {
      await this.flush();
    } catch (err) {
      this.logger.warn({ error: (err as Error).message, conversations: this.pendingCount }, 'conversation changes not written at shutdown');
    }
  }

  /** A change was recorded: an insert is due. */
  private changed(): void {
    this.oldestSince ??= Date.now();
    this.schedule(FLUSH_INTERVAL_MS);
  }

  private merge(change: ConversationChange): void {
    const key = `${change.appId}:${change.owner}:${change.peer}`;
    const prev = this.pending.get(key);
    if (prev) addTo(prev, change);
    else this.pending.set(key, change);
  }

  private schedule(delay: number): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush().catch(() => undefined);
    }, delay);
  }

  private async insertPending(): Promise<void> {
    const started = Date.now();
    // The oldest change of this insert: of records kept from a failed insert, or of this window.
    const since = this.unsentSince ?? this.oldestSince;
    this.unsentSince = since;
    this.oldestSince = null;
    this.unsent.push(...toRecords([...this.pending.values()], [...this.revisions.values()], started));
    this.pending = new Map();
    this.revisions = new Map();
    const records = this.unsent;
    let refused: ConversationChangeRecord[];
    try {
      refused = await this.changes.insert(records);
    } catch (error) {
      this.failures++;
      const delay = backoffCeiling(this.failures, RETRY);
      this.logger.warn({ error: (error as Error).message, records: records.length, retryInMs: delay }, 'conversation changes not written; retrying');
      this.schedule(delay);
      throw error;
    }
    this.unsent = [];
    this.unsentSince = null;
    this.failures = 0;
    if (since !== null) this.metrics.summaryLag.observe((Date.now() - since) / 1000);
    if (refused.length > 0) {
      // Derived data: what the database refuses is left out (the messages are stored), never retried forever.
      this.logger.error({ records: refused.length, owners: [...new Set(refused.map((r) => r.owner))].slice(0, 10) }, 'conversation changes refused by the database; left out of the summaries');
    }
    this.folder.track(refused.length > 0 ? records.filter((r) => !refused.includes(r)) : records);
    this.logger.debug({ records: records.length, changes: records.reduce((n, r) => n + r.changes.length, 0), ms: Date.now() - started, waiting: this.pendingCount }, 'conversation changes written');
    if (this.pendingCount > 0) this.schedule(FLUSH_INTERVAL_MS);
  }
}

/**
 * The texts a record holds, at most (a record is one document): an owner's changes of one window go
 * in one record, or in several when their last messages' texts are long (MAX_PAYLOAD_BYTES allows
 * 16 MiB, a document at most that much).
 */
const RECORD_TEXT_BUDGET = 1024 * 1024;

/** One record per owner: their conversations' changes, then revisions (a revision applies over a change of the same window). */
function toRecords(changes: ConversationChange[], revisions: ConversationRevision[], now: number): ConversationChangeRecord[] {
  const records: ConversationChangeRecord[] = [];
  const open = new Map<string, { record: ConversationChangeRecord; textLength: number }>();
  const add = (c: ConversationRevision, item: ConversationChangeItem) => {
    const key = `${c.appId.length}:${c.appId}:${c.owner}`;
    const textLength = item.last_message.text.length;
    const current = open.get(key);
    if (current && current.textLength + textLength <= RECORD_TEXT_BUDGET) {
      current.record.changes.push(item);
      current.textLength += textLength;
      return;
    }
    const record = { _id: new Types.ObjectId().toHexString(), app_id: c.appId, owner: c.owner, changes: [item], created_at: now };
    records.push(record);
    open.set(key, { record, textLength });
  };
  for (const c of changes) add(c, { peer: c.peer, last_message: c.last, unread_increment: c.unreadIncrement, revised: false });
  for (const r of revisions) add(r, { peer: r.peer, last_message: r.last, unread_increment: 0, revised: true });
  return records;
}
