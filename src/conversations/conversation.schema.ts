import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

export class LastMessage {
  message_id!: string;
  sender!: string;
  type!: string;
  text!: string;
  timestamp!: number;
  /** The message was edited (ms): `text` is the new one. */
  edited_at?: number;
  /** The message was deleted (ms): `text` is empty. */
  deleted_at?: number;
}

/**
 * One user's view of a direct conversation with a peer: the last message and how many messages
 * from the peer arrived since. `_id` is `app:owner:peer`, so updates go by `_id`. Derived data:
 * written behind the message pipeline (changes first, folded in later: conversation-folder.ts) and
 * rebuildable from the messages.
 */
@Schema({ collection: 'conversations', versionKey: false, _id: false })
export class Conversation {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  app_id!: string;

  @Prop({ required: true })
  owner!: string;

  @Prop({ required: true })
  peer!: string;

  @Prop({ type: Object, required: true })
  last_message!: LastMessage;

  /** Time of the last message (ms). */
  @Prop({ required: true })
  updated_at!: number;

  @Prop({ required: true, default: 0 })
  unread_count!: number;

  /**
   * The newest change record (conversation-change.schema.ts) its engine folded in: readers skip that
   * engine's records up to it, which are in the summary already while they wait to be deleted.
   */
  @Prop({ type: String })
  folded_through?: string;
}

export const ConversationSchema = SchemaFactory.createForClass(Conversation);

// Serves: a user's conversations by last activity (GET /admin/v1/users/:id/conversations).
ConversationSchema.index({ app_id: 1, owner: 1, updated_at: -1 });

export function conversationId(appId: string, owner: string, peer: string): string {
  return `${appId}:${owner}:${peer}`;
}
