import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { LastMessage } from './conversation.schema';

/**
 * A change to one conversation summary not folded into it yet: one per conversation per flush of
 * the writer, inserted in one `insertMany` (thousands a second, where upserts of the summaries run
 * a few hundred). Readers merge a summary's changes over it (conversation-summaries.ts), so a
 * message shows in the lists as soon as its change is inserted; the folder writes the changes into
 * the summaries behind, one upsert per conversation per fold, and deletes them. Derived data, in
 * the derived database.
 */
@Schema({ collection: 'conversation_changes', versionKey: false, _id: false })
export class ConversationChangeRecord {
  /** Unique across engines and flushes (an ObjectId's hex), given before the insert so a retry is idempotent. */
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  app_id!: string;

  @Prop({ required: true })
  owner!: string;

  @Prop({ required: true })
  peer!: string;

  /** The newest message of the change; with `revised`, a message as edited or deleted. */
  @Prop({ type: Object, required: true })
  last_message!: LastMessage;

  /** Messages that arrived unread (0 for a revision, and on the sender's side). */
  @Prop({ required: true })
  unread_increment!: number;

  /** An edit or deletion: replaces the summary's last message only where it is the same message. */
  @Prop({ required: true })
  revised!: boolean;

  /** When it was inserted (ms): changes an engine did not fold (it stopped) are folded by another later. */
  @Prop({ required: true })
  created_at!: number;
}

export const ConversationChangeRecordSchema = SchemaFactory.createForClass(ConversationChangeRecord);

// Serves: a user's changes (the conversation list) and one conversation's (lookups by owner and peer).
ConversationChangeRecordSchema.index({ app_id: 1, owner: 1, peer: 1 });
