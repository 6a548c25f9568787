import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { backoffCeiling } from '@app/backoff';
import { mapInChunks } from '../common/async';
import { groupBy } from '../common/collections';
import { BulkUpdates } from '../database';
import { Types } from 'mongoose';
import { ConversationChangeEntry, ConversationChangeItem, ConversationChangeRecord, entriesOf, liveRecords } from './conversation-change.schema';
import { ChangeKey, ConversationChangesRepository } from './conversation-changes.repository';
import { mergeChanges } from './conversation-summaries';
import { Conversation } from './conversation.schema';
import { addTo, ConversationChange, ConversationRevision, ConversationsRepository } from './conversations.repository';

/**
 * How long change records wait before they are folded into the summaries. Readers merge them
 * meanwhile, so this costs the lists nothing: a longer wait folds more of a busy conversation's
 * records into one upsert (FerretDB runs a few hundred a second) and leaves the database to the
 * message inserts.
 */
const FOLD_INTERVAL_MS = 10_000;
/**
 * Conversations folded per round, about (whole owners; one bulk of upserts at a time): a round ends
 * and puts back what failed before the next starts, and upserts beside a saturated pipeline ran at
 * 30-50/s, so a round stays seconds long.
 */
const FOLD_SLICE = 100;
/**
 * An owner's records of this engine are compacted into one once there are this many, beside the
 * rounds, so however far the upserts fall behind, readers merge at most about this many per owner.
 * A busy owner gets a record every 250 ms: at 4, every busy owner was compacted every second (an
 * insert and a delete statement each), which took a third of FerretDB's CPU at 200 msg/s over 100
 * users (docs/benchmarks.md, "Compaction at sixteen records").
 */
export const COMPACT_AT = 16;
/** Fold rounds and compactions run at least this often while records wait. */
const ROUND_INTERVAL_MS = 1_000;
/** A compaction holds at most this much text (one document; see the writer's record budget). */
const COMPACTION_TEXT_BUDGET = 1024 * 1024;
/** Records older than this that no engine folded belong to an engine that stopped: any engine folds them. */
const ORPHAN_AGE_MS = 120_000;
const ORPHAN_SWEEP_MS = 60_000;
/** A failed round is tried again after 10 s, doubling up to 60 s. */
const RETRY = { initialMs: FOLD_INTERVAL_MS, maxMs: 60_000 };
/** Summaries read at once to fold stopped engines' records. */
const LOOKUPS_AT_ONCE = 4;
/**
 * On stop, how long the folder waits for the round and compaction in flight: a database slow
 * under load must not hold the engine's shutdown past its timeout, and nothing is lost by not
 * waiting (what is not deleted or folded yet is folded again, idempotently, after two minutes).
 */
export const STOP_WAIT_MS = 2_000;

/** One conversation's records waiting to be folded, as one change and its revisions. */
interface Unfolded {
  key: string;
  /** When its first record was tracked (ms): it is folded once it has waited FOLD_INTERVAL_MS. */
  since: number;
  change?: ConversationChange;
  revisions: Map<string, ConversationRevision>;
  records: ChangeKey[];
}

/**
 * Folds the change records this engine inserted (ConversationWriter) into the conversation
 * summaries: per conversation one upsert (newest message, unread increments added, `folded_through`
 * its newest record), then the revisions (only where the revised message is still the last), then
 * deletes the records. It is the summaries' one writer in this engine, and folds one bulk at a time
 * under the engine's budget of bulk updates (BulkUpdates), in rounds; beside them it compacts each
 * owner's records. Records another engine left (older than two minutes) are folded too, merged over
 * the summary as readers merge them.
 */
@Injectable()
export class ConversationFolder implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ConversationFolder.name);
  private unfolded = new Map<string, Unfolded>();
  /** Records folded in and not deleted yet (a failed delete is tried again). */
  private undeleted: ChangeKey[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private folding: Promise<void> | null = null;
  private compactTimer: NodeJS.Timeout | null = null;
  private compacting: Promise<void> | null = null;
  /** Owners whose changes a fold round is writing: not compacted meanwhile (their records are the round's). */
  private readonly inFlightOwners = new Set<string>();
  /** Owners a compaction is writing: not folded meanwhile. */
  private readonly compactingOwners = new Set<string>();
  private failures = 0;
  private stopped = false;
  private nextSweepAt = 0;

  constructor(
    private readonly summaries: ConversationsRepository,
    private readonly changes: ConversationChangesRepository,
    private readonly bulkUpdates: BulkUpdates,
  ) {}

  onApplicationBootstrap(): void {
    // Records left by an engine that stopped are folded even while this one has none of its own.
    this.sweeper = setInterval(() => this.schedule(0), ORPHAN_SWEEP_MS);
    this.sweeper.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.compactTimer) clearTimeout(this.compactTimer);
    if (this.sweeper) clearInterval(this.sweeper);
    // Nothing is lost by stopping here: the records stay, readers merge them, and another engine
    // (or this one, started again) folds them once they are old enough.
    const settled = Promise.all([this.folding, this.compacting].map((p) => p?.catch(() => undefined)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise((r) => (timer = setTimeout(r, STOP_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** Records inserted by this engine's writer, to fold at the next fold. */
  track(records: readonly ConversationChangeRecord[]): void {
    for (const record of records) {
      const key = keyOf(record);
      for (const c of entriesOf(record)) this.add(c, key);
    }
    this.schedule(ROUND_INTERVAL_MS);
    this.scheduleCompaction();
  }

  private add(c: ConversationChangeEntry, key: ChangeKey): void {
    const conversation = `${c.app_id}:${c.owner}:${c.peer}`;
    let entry = this.unfolded.get(conversation);
    if (!entry) this.unfolded.set(conversation, (entry = { key: conversation, since: Date.now(), revisions: new Map(), records: [] }));
    if (entry.records[entry.records.length - 1]?._id !== key._id) entry.records.push(key);
    const last = c.last_message;
    if (c.revised) {
      entry.revisions.set(last.message_id, { appId: c.app_id, owner: c.owner, peer: c.peer, last });
      return;
    }
    const change = { appId: c.app_id, owner: c.owner, peer: c.peer, last, unreadIncrement: c.unread_increment, through: c.record };
    if (entry.change) addTo(entry.change, change);
    else entry.change = change;
  }

  get unfoldedCount(): number {
    return this.unfolded.size;
  }

  /** Folds what is waiting now (used by tests; the timer does it otherwise). */
  async fold(): Promise<void> {
    while (this.folding) await this.folding;
    this.folding = this.foldOnce().finally(() => (this.folding = null));
    await this.folding;
  }

  private schedule(delay: number): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.fold().catch(() => undefined);
    }, delay);
  }

  private async foldOnce(): Promise<void> {
    const started = Date.now();
    let folded = 0;
    try {
      await this.deleteFolded();
      if (started >= this.nextSweepAt) {
        await this.foldOrphans(started - ORPHAN_AGE_MS);
        this.nextSweepAt = started + ORPHAN_SWEEP_MS;
      }
      folded = await this.foldOwn();
    } catch (error) {
      this.failures++;
      const delay = backoffCeiling(this.failures, RETRY);
      this.logger.warn({ error: (error as Error).message, conversations: this.unfolded.size, retryInMs: delay }, 'conversation changes not folded; retrying');
      this.schedule(delay);
      throw error;
    }
    this.failures = 0;
    if (folded > 0) this.logger.debug({ conversations: folded, ms: Date.now() - started, waiting: this.unfolded.size }, 'conversation changes folded');
    if (this.unfolded.size > 0) this.schedule(this.hasDue(Date.now()) ? 0 : ROUND_INTERVAL_MS);
  }

  private hasDue(now: number): boolean {
    for (const entry of this.unfolded.values()) if (entry.since <= now - FOLD_INTERVAL_MS) return true;
    return false;
  }

  /** Compacts what is waiting now (used by tests; a timer does it every second otherwise, beside the fold rounds). */
  async compact(): Promise<void> {
    while (this.compacting) await this.compacting;
    this.compacting = this.compactOnce().finally(() => (this.compacting = null));
    await this.compacting;
  }

  private scheduleCompaction(): void {
    if (this.compactTimer || this.stopped) return;
    this.compactTimer = setTimeout(() => {
      this.compactTimer = null;
      void this.compact()
        .catch((error: Error) => this.logger.warn({ error: error.message }, 'conversation changes not compacted; retrying'))
        .finally(() => this.unfolded.size > 0 && this.scheduleCompaction());
    }, ROUND_INTERVAL_MS);
  }

  /**
   * Compacts each owner's records of this engine into one once there are COMPACT_AT: a record with
   * the owner's changes not folded yet, merged, that supersedes the others (readers skip them), which
   * are deleted. Either state is whole for readers: the old records, or the compaction in their place.
   * Runs beside the fold rounds (a slow round would let records pile up), never on an owner a round
   * is writing.
   */
  private async compactOnce(): Promise<void> {
    const waiting = [...this.unfolded.values()].filter((entry) => !this.inFlightOwners.has(ownerOf(entry)));
    const byOwner = groupBy(waiting, ownerOf);
    const compactions = [...byOwner.values()].flatMap((entries) => {
      const compaction = this.compactionOf(entries);
      return compaction ? [{ entries, ...compaction }] : [];
    });
    if (compactions.length === 0) return;
    for (const c of compactions) this.compactingOwners.add(ownerKey(c.record));
    let refused: Set<ConversationChangeRecord>;
    try {
      refused = new Set(await this.changes.insert(compactions.map((c) => c.record)));
    } catch (error) {
      // Some may be in: delete them (the old records they would supersede stay, whole for readers).
      this.undeleted.push(...compactions.map((c) => keyOf(c.record)));
      throw error;
    } finally {
      this.compactingOwners.clear();
    }
    for (const { record, entries, superseded } of compactions) {
      if (refused.has(record)) continue;
      for (const entry of entries) {
        entry.records = [keyOf(record)];
        if (entry.change) entry.change.through = record._id;
      }
      this.undeleted.push(...superseded);
    }
    await this.deleteFolded();
  }

  /** One owner's compaction, or none (too few records, or too much text for one document). */
  private compactionOf(entries: Unfolded[]): { record: ConversationChangeRecord; superseded: ChangeKey[] } | null {
    const superseded = new Map<string, ChangeKey>();
    for (const entry of entries) for (const r of entry.records) superseded.set(r._id, r);
    if (superseded.size < COMPACT_AT) return null;
    const { app_id, owner } = entries[0].records[0];
    const changes = entries.flatMap(itemsOf);
    if (changes.reduce((n, c) => n + c.last_message.text.length, 0) > COMPACTION_TEXT_BUDGET) return null;
    // The owner's folded records waiting to be deleted are superseded too (their changes are in the summaries).
    const ids = [...superseded.keys(), ...this.undeleted.filter((r) => r.app_id === app_id && r.owner === owner).map((r) => r._id)];
    const supersedes = ids.reduce((max, id) => (id > max ? id : max));
    const record = { _id: new Types.ObjectId().toHexString(), app_id, owner, changes, supersedes, created_at: Date.now() };
    return { record, superseded: [...superseded.values()] };
  }

  /** Folds a slice of this engine's records that waited FOLD_INTERVAL_MS. */
  private async foldOwn(): Promise<number> {
    const entries = this.dueSlice(Date.now());
    for (const entry of entries) {
      this.unfolded.delete(entry.key);
      this.inFlightOwners.add(ownerOf(entry));
    }
    try {
      return await this.write(entries);
    } finally {
      this.inFlightOwners.clear();
    }
  }

  /** Due entries, whole owners at a time (their records hold all of an owner's conversations), about FOLD_SLICE. */
  private dueSlice(now: number): Unfolded[] {
    const due = groupBy(
      [...this.unfolded.values()].filter((entry) => entry.since <= now - FOLD_INTERVAL_MS && !this.compactingOwners.has(ownerOf(entry))),
      ownerOf,
    );
    const slice: Unfolded[] = [];
    for (const owned of due.values()) {
      if (slice.length > 0 && slice.length + owned.length > FOLD_SLICE) break;
      slice.push(...owned);
    }
    return slice;
  }

  /** Writes a slice's changes, then its revisions, then deletes the records of what is written. */
  private async write(entries: Unfolded[]): Promise<number> {
    const changed = await this.bulkUpdates.inBulks(
      entries.filter((e) => e.change),
      (bulk) => this.summaries.applyBulk(bulk.map((e) => e.change!)),
      1,
    );
    const unchanged = new Set(changed.undone);
    // After the changes: a message recorded and revised in the same window ends up revised.
    const revisions = entries.filter((e) => !unchanged.has(e)).flatMap((e) => [...e.revisions.values()].map((revision) => ({ entry: e, revision })));
    const revised = changed.error
      ? { undone: revisions, error: undefined }
      : await this.bulkUpdates.inBulks(revisions, (bulk) => this.summaries.reviseBulk(bulk.map((r) => r.revision)), 1);
    const unrevised = new Set(revised.undone.map((r) => r.entry));
    const folded = new Map<string, ChangeKey>();
    for (const entry of entries) {
      if (unchanged.has(entry)) this.putBack(entry);
      // Its change is in the summary (and its records marked so by `folded_through`): only the revisions are left.
      else if (unrevised.has(entry)) this.putBack({ ...entry, change: undefined });
      else for (const r of entry.records) folded.set(r._id, r);
    }
    // A record holds an owner's conversations: it goes once none of them waits to be folded.
    for (const entry of this.unfolded.values()) for (const r of entry.records) folded.delete(r._id);
    this.undeleted.push(...folded.values());
    const error = changed.error ?? revised.error;
    if (error) throw error;
    await this.deleteFolded();
    return entries.length;
  }

  /** An entry not folded goes back, under anything tracked since. */
  private putBack(entry: Unfolded): void {
    const newer = this.unfolded.get(entry.key);
    if (!newer) {
      this.unfolded.set(entry.key, entry);
      return;
    }
    newer.since = Math.min(newer.since, entry.since);
    newer.records.unshift(...entry.records);
    for (const [id, revision] of entry.revisions) if (!newer.revisions.has(id)) newer.revisions.set(id, revision);
    if (!entry.change) return;
    if (newer.change) addTo(newer.change, entry.change);
    else newer.change = entry.change;
  }

  private async deleteFolded(): Promise<void> {
    const records = this.undeleted;
    if (records.length === 0) return;
    this.undeleted = [];
    try {
      await this.changes.delete(records);
    } catch (error) {
      this.undeleted.unshift(...records);
      throw error;
    }
  }

  /**
   * Folds the records older than `before` that no engine folded (their engine stopped first): each
   * summary read, the records merged over it as readers merge them, written as it is, then the
   * records deleted. A summary is written by this engine's fold alone, one after the other.
   */
  private async foldOrphans(before: number): Promise<void> {
    const mine = new Set([...this.unfolded.values()].flatMap((e) => e.records).concat(this.undeleted).map((r) => r._id));
    const records = await this.changes.all();
    const live = new Set(liveRecords(records).map((r) => r._id));
    const left = records.filter((r) => r.created_at < before && !mine.has(r._id));
    if (left.length === 0) return;
    // Superseded ones are only deleted: their changes are in the compaction that superseded them.
    const orphans = left.filter((r) => live.has(r._id));
    const byConversation = groupBy(orphans.flatMap(entriesOf), (c) => `${ownerKey(c)}:${c.peer}`);
    const merged = await mapInChunks([...byConversation.values()], LOOKUPS_AT_ONCE, async (changes) => {
      const { app_id, owner, peer } = changes[0];
      return mergeChanges(await this.summaries.findOne(app_id, owner, peer), changes);
    });
    const written = await this.bulkUpdates.inBulks(
      merged.filter((c): c is Conversation => c !== null),
      (bulk) => this.summaries.replaceBulk(bulk),
      1,
    );
    if (written.error) throw written.error;
    await this.changes.delete(left);
    this.logger.log({ records: left.length, conversations: byConversation.size }, 'folded conversation changes an engine left');
  }
}

function keyOf(record: ConversationChangeRecord): ChangeKey {
  return { _id: record._id, app_id: record.app_id, owner: record.owner };
}

function ownerKey(r: Pick<ChangeKey, 'app_id' | 'owner'>): string {
  return `${r.app_id.length}:${r.app_id}:${r.owner}`;
}

/** A waiting conversation's owner (all its records are the owner's). */
function ownerOf(entry: Unfolded): string {
  return ownerKey(entry.records[0]);
}

/** A conversation's waiting change and revisions, as the items of a record. */
function itemsOf(entry: Unfolded): ConversationChangeItem[] {
  const items: ConversationChangeItem[] = [];
  const { change } = entry;
  if (change) items.push({ peer: change.peer, last_message: change.last, unread_increment: change.unreadIncrement, revised: false });
  for (const r of entry.revisions.values()) items.push({ peer: r.peer, last_message: r.last, unread_increment: 0, revised: true });
  return items;
}
