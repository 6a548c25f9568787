import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, mongo } from 'mongoose';
import { Message } from './message.schema';
import { MessageRecord } from './message.record';

const DUPLICATE_KEY = 11000;

export interface InsertOutcome {
  /** For each record that was already stored (same app and dedupe key): the stored one. */
  duplicates: Map<string, MessageRecord>;
}

export interface HistoryQuery {
  appId: string;
  pair: string;
  /** Only messages with a smaller id (older). */
  before?: string;
  /** Only messages with a larger id (newer). */
  after?: string;
  limit: number;
  order: 'asc' | 'desc';
}

@Injectable()
export class MessagesRepository {
  constructor(@InjectModel(Message.name) private readonly model: Model<Message>) {}

  /**
   * Stores a batch in one unordered insert. Records whose dedupe key is already stored are not
   * stored again: the stored versions come back in `duplicates`, keyed by dedupe key.
   */
  async insertBatch(records: MessageRecord[]): Promise<InsertOutcome> {
    const duplicates = new Map<string, MessageRecord>();
    if (records.length === 0) return { duplicates };
    try {
      // The driver's insert (not Model.insertMany): records are already complete and validated.
      await this.model.collection.insertMany(records as unknown as mongo.OptionalId<mongo.Document>[], { ordered: false });
    } catch (err) {
      const failed = duplicateIndexes(err);
      if (!failed) throw err;
      const keys = failed.map((i) => records[i].dedupe_key);
      const stored = await this.model
        .find({ app_id: records[0].app_id, dedupe_key: { $in: keys } })
        .lean<MessageRecord[]>()
        .exec();
      for (const record of stored) duplicates.set(record.dedupe_key, record);
      const missing = keys.filter((k) => !duplicates.has(k));
      if (missing.length > 0) throw new Error(`duplicate key reported but not found: ${missing.join(', ')}`);
    }
    return { duplicates };
  }

  /** A page of one conversation's messages, in id (= time) order. */
  async history(q: HistoryQuery): Promise<MessageRecord[]> {
    const id: Record<string, string> = {};
    if (q.before) id.$lt = q.before;
    if (q.after) id.$gt = q.after;
    const filter = { app_id: q.appId, pair: q.pair, ...(q.before || q.after ? { _id: id } : {}) };
    return this.model
      .find(filter)
      .sort({ _id: q.order === 'asc' ? 1 : -1 })
      .limit(q.limit)
      .lean<MessageRecord[]>()
      .exec();
  }

  async count(appId: string, pair: string): Promise<number> {
    return this.model.countDocuments({ app_id: appId, pair }).exec();
  }
}

/** The batch positions that failed only because they were duplicates; null if anything else failed. */
function duplicateIndexes(err: unknown): number[] | null {
  if (!(err instanceof mongo.MongoBulkWriteError)) return null;
  const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
  if (errors.length === 0 || errors.some((e) => e.code !== DUPLICATE_KEY)) return null;
  return errors.map((e) => e.index);
}
