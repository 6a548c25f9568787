import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * A user archived a conversation (direct, or a group's) at `archived_at`. The conversation stays
 * archived while no message is newer than that: a new message brings it back with no write, since
 * the list compares this time with the conversation's last message (docs/receipts.md#archive).
 * `_id` is `app:owner:peer` (the conversation's key), so archive and unarchive are one idempotent
 * write by `_id` each (set, delete). Derived data, in the derived database.
 */
@Schema({ collection: 'conversation_archives', versionKey: false, _id: false })
export class ConversationArchive {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  app_id!: string;

  @Prop({ required: true })
  owner!: string;

  /** The other user, or the group. */
  @Prop({ required: true })
  peer!: string;

  /** When it was archived (ms): later than the conversation's last message at that moment. */
  @Prop({ required: true })
  archived_at!: number;
}

export const ConversationArchiveSchema = SchemaFactory.createForClass(ConversationArchive);

// Serves: a user's archived conversations, read once per conversation list (GET /admin/v1/users/:id/conversations).
ConversationArchiveSchema.index({ app_id: 1, owner: 1 });
