import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, mongo } from 'mongoose';
import { mapInChunks } from '../common/async';
import { DUPLICATE_KEY, insertAsIs, isTransientWriteError, transientCode, writeErrorsOf } from '../database/writes';
import { Message } from './message.schema';
import { MessageRecord } from './message.record';

export interface InsertOutcome {
  /** For each record that was already stored (same app and dedupe key): the stored one. */
  duplicates: Map<string, MessageRecord>;
  /** Records the database refused for good (while it took other writes), by dedupe key: why. */
  refused: Map<string, string>;
}

/** A change to a stored message: a new text, or a delete (its content removed). `at`: when (ms). */
export type MessageChange = { kind: 'edit'; text: string; at: number } | { kind: 'delete'; at: number };

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

/** What a stored message looks like in the database: free-form fields as JSON text. */
type StoredMessage = Omit<MessageRecord, 'attributes' | 'metadata'> & { attributes?: unknown; metadata?: unknown };

interface InsertAttempt {
  duplicateKeys: string[];
  refused: Array<{ record: MessageRecord; reason: string }>;
}

/** Thrown when a write failed for a cause that may pass (the database is away): retry the batch. */
export class TransientWriteError extends Error {
  constructor(cause: unknown) {
    super(errorText(cause), { cause });
    this.name = 'TransientWriteError';
  }
}

/** Which conversation a stored message is in: all a receipt needs to know of it. */
export interface MessagePlace {
  app_id: string;
  pair: string;
}

/** Messages this instance stored lately, by id: a receipt for one is checked without a database read. */
const RECENT_PLACES = 200_000;

@Injectable()
export class MessagesRepository {
  private readonly places = new LRUCache<string, MessagePlace>({ max: RECENT_PLACES });

  constructor(@InjectModel(Message.name) private readonly model: Model<Message>) {}

  /**
   * Stores a batch with unordered inserts. Records whose dedupe key is already stored are not
   * stored again: the stored versions come back in `duplicates`. A record the database refuses
   * for good is isolated (the rest of the batch is stored) and comes back in `refused`; "for
   * good" means the server refused that document while a probe write right after succeeded, so a
   * database that refuses everything is never taken for a bad message. Any other failure throws
   * TransientWriteError: the caller retries, and what this call stored comes back as duplicates.
   */
  async insertBatch(records: MessageRecord[]): Promise<InsertOutcome> {
    const outcome: InsertOutcome = { duplicates: new Map(), refused: new Map() };
    const { duplicateKeys: keys, refused } = await this.insert(records);
    const notStored = new Set([...keys, ...refused.map((f) => f.record.dedupe_key)]);
    for (const r of records) if (!notStored.has(r.dedupe_key)) this.places.set(r._id, { app_id: r.app_id, pair: r.pair });
    if (refused.length > 0) {
      if (!(await this.acceptsWrites())) throw new TransientWriteError(refused[0].reason);
      for (const f of refused) outcome.refused.set(f.record.dedupe_key, f.reason);
    }
    if (keys.length > 0) {
      for (const record of await this.storedByKey(records[0].app_id, keys)) outcome.duplicates.set(record.dedupe_key, record);
      const missing = keys.filter((k) => !outcome.duplicates.has(k));
      if (missing.length > 0) throw new TransientWriteError(`duplicate key reported but not found: ${missing.join(', ')}`);
    }
    return outcome;
  }

  /**
   * The stored versions of these dedupe keys, one `{app_id, dedupe_key}` lookup each, a few at a
   * time: served by the unique index on MongoDB and by the stack's index on `dedupe_key` on
   * FerretDB's PostgreSQL backend (docs/database.md). Only redelivered messages are looked up.
   */
  private async storedByKey(appId: string, dedupeKeys: string[]): Promise<MessageRecord[]> {
    const records = await mapInChunks(dedupeKeys, KEY_LOOKUPS_AT_ONCE, async (key) => {
      const doc = await this.model.findOne({ app_id: appId, dedupe_key: key }).lean<StoredMessage>().exec();
      return doc ? fromDocument(doc) : null;
    });
    return records.filter((r): r is MessageRecord => r !== null);
  }

  /** One stored message by its id (the only lookup FerretDB answers without a scan); null if none of this app. */
  async findById(appId: string, id: string): Promise<MessageRecord | null> {
    const doc = await this.model.findById(id).lean<StoredMessage>().exec();
    return doc && doc.app_id === appId ? fromDocument(doc) : null;
  }

  /**
   * Edits or deletes a stored message, only if it is still at `revision` (undefined: never
   * changed): false when another change came first. A delete empties the text and removes the
   * attributes and metadata from storage; the id, the parties, the type and the time stay.
   */
  async change(appId: string, id: string, revision: number | undefined, change: MessageChange): Promise<boolean> {
    const filter = { _id: id, app_id: appId, revision: revision ?? { $exists: false } };
    const next = (revision ?? 0) + 1;
    const update =
      change.kind === 'edit'
        ? { $set: { text: change.text, edited_at: change.at, revision: next } }
        : { $set: { text: '', deleted_at: change.at, revision: next }, $unset: { attributes: '', metadata: '' } };
    const { matchedCount } = await this.model.updateOne(filter, update).exec();
    return matchedCount === 1;
  }

  /**
   * Where these messages are (app and conversation), those that exist: from what this instance
   * stored lately, else by id from the database (the only fast lookup on FerretDB).
   */
  async placesOf(ids: string[]): Promise<Map<string, MessagePlace>> {
    const places = new Map<string, MessagePlace>();
    const missing: string[] = [];
    for (const id of ids) {
      const known = this.places.get(id);
      if (known) places.set(id, known);
      else missing.push(id);
    }
    for (const m of missing.length > 0 ? await this.byIds(missing) : []) {
      const place = { app_id: m.app_id, pair: m.pair };
      this.places.set(m._id, place);
      places.set(m._id, place);
    }
    return places;
  }

  /** Messages by id (the only fast lookup on FerretDB), those that exist; in no particular order. */
  async byIds(ids: string[]): Promise<MessageRecord[]> {
    const docs = await Promise.all(ids.map((id) => this.model.findById(id).lean<StoredMessage>().exec()));
    return docs.flatMap((d) => (d ? [fromDocument(d)] : []));
  }

  /** How many messages of a conversation came after a message id and not from a user (at most 10,000 counted). */
  async countInConversation(appId: string, pair: string, q: { after?: string; notFrom: string }): Promise<number> {
    const filter = { app_id: appId, pair, sender: { $ne: q.notFrom }, ...(q.after && { _id: { $gt: q.after } }) };
    return this.model.countDocuments(filter, { limit: 10_000 }).exec();
  }

  /** A page of one conversation's messages, in id (= time) order. */
  async history(q: HistoryQuery): Promise<MessageRecord[]> {
    const id: Record<string, string> = {};
    if (q.before) id.$lt = q.before;
    if (q.after) id.$gt = q.after;
    const filter = { app_id: q.appId, pair: q.pair, ...(q.before || q.after ? { _id: id } : {}) };
    const docs = await this.model
      .find(filter)
      .sort({ _id: q.order === 'asc' ? 1 : -1 })
      .limit(q.limit)
      .lean<StoredMessage[]>()
      .exec();
    return docs.map(fromDocument);
  }

  /**
   * Inserts the records (unordered) and sorts out what failed: the dedupe keys already stored, and
   * the records the server refused. A command refused as a whole is split in halves until each
   * refused record is alone.
   */
  private async insert(records: MessageRecord[]): Promise<InsertAttempt> {
    const attempt: InsertAttempt = { duplicateKeys: [], refused: [] };
    if (records.length === 0) return attempt;
    try {
      // The driver's insert (not Model.insertMany): records are already complete and validated.
      await insertAsIs(this.model.collection, records.map(toDocument), { ordered: false });
      return attempt;
    } catch (err) {
      const perDocument = writeErrorsOf(err);
      if (perDocument.length > 0) {
        if (perDocument.some((e) => transientCode(e.code))) throw new TransientWriteError(err);
        for (const e of perDocument) {
          if (e.code === DUPLICATE_KEY) attempt.duplicateKeys.push(records[e.index].dedupe_key);
          else attempt.refused.push({ record: records[e.index], reason: e.message });
        }
        return attempt;
      }
      if (isTransientWriteError(err)) throw new TransientWriteError(err);
      if (records.length === 1) return { duplicateKeys: [], refused: [{ record: records[0], reason: errorText(err) }] };
    }
    const half = Math.ceil(records.length / 2);
    const [first, second] = [await this.insert(records.slice(0, half)), await this.insert(records.slice(half))];
    return { duplicateKeys: [...first.duplicateKeys, ...second.duplicateKeys], refused: [...first.refused, ...second.refused] };
  }

  /** Whether the database takes an ordinary write now (a tiny document, written and removed). */
  private async acceptsWrites(): Promise<boolean> {
    const probes = this.model.db.collection('write_probes');
    const _id = randomUUID() as unknown as mongo.ObjectId;
    try {
      await probes.insertOne({ _id, at: Date.now() });
      await probes.deleteOne({ _id });
      return true;
    } catch {
      return false;
    }
  }
}

/** FerretDB answers many concurrent lookups far slower than a few at a time. */
const KEY_LOOKUPS_AT_ONCE = 4;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Free-form fields are stored as JSON text: any key or value a client may send is stored as sent. */
function toDocument(r: MessageRecord): StoredMessage {
  const doc: StoredMessage = { ...r };
  if (r.attributes !== undefined) doc.attributes = JSON.stringify(r.attributes);
  if (r.metadata !== undefined) doc.metadata = JSON.stringify(r.metadata);
  return doc;
}

/** Messages stored before free-form fields became JSON text hold them as objects. */
function fromDocument(doc: StoredMessage): MessageRecord {
  const record = { ...doc } as MessageRecord;
  if (typeof doc.attributes === 'string') record.attributes = JSON.parse(doc.attributes) as Record<string, unknown>;
  if (typeof doc.metadata === 'string') record.metadata = JSON.parse(doc.metadata) as Record<string, unknown>;
  return record;
}
