import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { AnyBulkWriteOperation, Model } from 'mongoose';
import { groupBy } from '../common/collections';
import { BulkUpdates } from '../database';
import { DUPLICATE_KEY, insertAsIs, isTransientWriteError, transientCode, writeErrorsOf } from '../database/writes';
import { ConversationChangeEntry, ConversationChangeRecord, entriesOf, liveRecords } from './conversation-change.schema';

export type ChangeKey = Pick<ConversationChangeRecord, '_id' | 'app_id' | 'owner'>;

/** Changes to conversation summaries not folded in yet (conversation-change.schema.ts). */
@Injectable()
export class ConversationChangesRepository {
  constructor(
    @InjectModel(ConversationChangeRecord.name) private readonly model: Model<ConversationChangeRecord>,
    private readonly bulkUpdates: BulkUpdates,
  ) {}

  /**
   * Inserts the records (unordered) and returns those the database refused (too large, say), so
   * they cannot hold up the rest. Their `_id`s are given, so inserting them again after a failure
   * is safe: those that landed the first time are duplicates, and count as inserted. A failure of
   * the database (transient) is thrown, to try again later.
   */
  async insert(records: ConversationChangeRecord[]): Promise<ConversationChangeRecord[]> {
    if (records.length === 0) return [];
    try {
      await insertAsIs(this.model.collection, records, { ordered: false });
      return [];
    } catch (err) {
      const perDocument = writeErrorsOf(err);
      if (perDocument.some((e) => transientCode(e.code))) throw err;
      if (perDocument.length > 0) return perDocument.filter((e) => e.code !== DUPLICATE_KEY).map((e) => records[e.index]);
      if (isTransientWriteError(err)) throw err;
      if (records.length === 1) return records;
    }
    // Refused as a whole (a record the driver cannot encode): halves until each refused one is alone.
    const half = Math.ceil(records.length / 2);
    return [...(await this.insert(records.slice(0, half))), ...(await this.insert(records.slice(half)))];
  }

  /** The changes of an owner's conversations (a user's, or a group's one), by the `owner` index. */
  async ofOwner(appId: string, owner: string): Promise<ConversationChangeEntry[]> {
    const records = await this.model.find({ app_id: appId, owner }).lean<ConversationChangeRecord[]>().exec();
    return liveRecords(records).flatMap(entriesOf);
  }

  /** One conversation's changes (the owner's, for that peer). */
  async ofConversation(appId: string, owner: string, peer: string): Promise<ConversationChangeEntry[]> {
    return (await this.ofOwner(appId, owner)).filter((c) => c.peer === peer);
  }

  /**
   * Every record, of every app (to fold those an engine left when it stopped). The collection holds
   * only what is not folded yet, and an owner's records are compacted, so it stays small.
   */
  async all(): Promise<ConversationChangeRecord[]> {
    return this.model.find({}).lean<ConversationChangeRecord[]>().exec();
  }

  /**
   * Deletes the records: one statement per owner, `{app_id, owner, _id: {$in}}`, which FerretDB
   * narrows by the `owner` index to that owner's few records (compacted) before it matches the ids.
   * `_id: {$in}` alone is not pushed down: FerretDB read the whole collection for each statement
   * (1,000 ids out of 20,000 records: 8.3 s, idle), so deletes that fell behind a load grew slower
   * the more they fell behind. The statements go in bulks under the engine's budget (BulkUpdates).
   */
  async delete(records: readonly ChangeKey[]): Promise<void> {
    const unique = [...new Map(records.map((r) => [r._id, r])).values()];
    const byOwner = groupBy(unique, (r) => `${r.app_id.length}:${r.app_id}:${r.owner}`);
    const statements: Array<AnyBulkWriteOperation<ConversationChangeRecord>> = [...byOwner.values()].map((owned) => ({
      deleteMany: { filter: { app_id: owned[0].app_id, owner: owned[0].owner, _id: { $in: owned.map((r) => r._id) } } },
    }));
    const { error } = await this.bulkUpdates.inBulks(statements, async (bulk) => void (await this.model.bulkWrite(bulk, { ordered: false })));
    if (error) throw error;
  }
}
