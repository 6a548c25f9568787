import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { LastMessage } from './conversation.schema';

/** One conversation's change in a record: the peer (or the group, in a group's record) and what changed. */
export class ConversationChangeItem {
  peer!: string;
  /** The newest message of the change; with `revised`, a message as edited or deleted. */
  last_message!: LastMessage;
  /** Messages that arrived unread (0 for a revision, and on the sender's side). */
  unread_increment!: number;
  /** An edit or deletion: replaces the summary's last message only where it is the same message. */
  revised!: boolean;
}

/**
 * Changes to one owner's conversation summaries (a user's, or a group's one summary) not folded into
 * them yet: one record per owner per flush of the writer, all of a flush inserted in one
 * `insertMany` (thousands of documents a second, where upserts of the summaries run a few hundred).
 * Readers merge an owner's records over the summaries (conversation-summaries.ts), so a message shows
 * in the lists as soon as its record is inserted; the folder writes them into the summaries behind,
 * one upsert per conversation per fold, and deletes them. Derived data, in the derived database.
 */
@Schema({ collection: 'conversation_changes', versionKey: false, _id: false })
export class ConversationChangeRecord {
  /**
   * An ObjectId's hex, given before the insert (so a retry is idempotent): seconds, 5 bytes of the
   * engine process, a counter, so one engine's records order by `_id` (see `isFoldedIn`).
   */
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  app_id!: string;

  @Prop({ required: true })
  owner!: string;

  @Prop({ type: [Object], required: true })
  changes!: ConversationChangeItem[];

  /**
   * A compaction: this record holds, merged, every change not folded yet of its engine's records
   * for this owner up to this `_id`, which readers skip from then on (`liveRecords`) and the folder
   * deletes. Keeps an owner's records few while the folder's upserts fall behind.
   */
  @Prop({ type: String })
  supersedes?: string;

  /** When it was inserted (ms): records an engine did not fold (it stopped) are folded by another later. */
  @Prop({ required: true })
  created_at!: number;
}

export const ConversationChangeRecordSchema = SchemaFactory.createForClass(ConversationChangeRecord);

// Serves: an owner's records (the conversation list, a conversation's summary, the folder's deletes).
ConversationChangeRecordSchema.index({ app_id: 1, owner: 1 });

/** One conversation's change with the record it came in (the unit readers and the folder merge). */
export interface ConversationChangeEntry extends ConversationChangeItem {
  /** The record's `_id`. */
  record: string;
  app_id: string;
  owner: string;
}

/** A record's changes, one entry per conversation. */
export function entriesOf(record: ConversationChangeRecord): ConversationChangeEntry[] {
  return record.changes.map((c) => ({ ...c, record: record._id, app_id: record.app_id, owner: record.owner }));
}

/** The engine process a record id (an ObjectId's hex) comes from: the 5 bytes after its seconds. */
export function writerOf(recordId: string): string {
  return recordId.slice(8, 18);
}

/** The records readers merge: all but those a compaction of the same engine superseded. */
export function liveRecords<T extends Pick<ConversationChangeRecord, '_id' | 'supersedes'>>(records: readonly T[]): T[] {
  const cut = new Map<string, string>();
  for (const r of records) {
    const writer = writerOf(r._id);
    if (r.supersedes && r.supersedes > (cut.get(writer) ?? '')) cut.set(writer, r.supersedes);
  }
  return records.filter((r) => r._id > (cut.get(writerOf(r._id)) ?? ''));
}
