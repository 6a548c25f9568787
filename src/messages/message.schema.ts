import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';

/**
 * One stored message. `_id` is the engine's message id (a ULID: sorts by time), so a
 * conversation read in `_id` order is in time order.
 */
@Schema({ collection: 'messages', versionKey: false, _id: false })
export class Message {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  app_id!: string;

  /** Both user ids in sorted order (`a|b`): one key for the two sides of a direct conversation; a group's id. */
  @Prop({ required: true })
  pair!: string;

  /** `group` on a group message (recipient is the group id); absent on a direct one. */
  @Prop()
  channel_type?: 'group';

  @Prop({ required: true })
  sender!: string;

  @Prop({ required: true })
  recipient!: string;

  @Prop({ required: true })
  type!: string;

  @Prop({ type: String, default: '' })
  text!: string;

  @Prop()
  client_message_id?: string;

  /** `sender:client_message_id`, or the message id when the client gave none; unique per app. */
  @Prop({ required: true })
  dedupe_key!: string;

  /**
   * The client's free-form objects as JSON text, so any key (`$gt`, `a.b`, NUL) is stored as sent
   * on every MongoDB-wire server. Messages stored before 0.2 hold objects; the repository reads both.
   */
  @Prop({ type: MongooseSchema.Types.Mixed })
  attributes?: string | Record<string, unknown>;

  @Prop({ type: MongooseSchema.Types.Mixed })
  metadata?: string | Record<string, unknown>;

  @Prop()
  sender_fullname?: string;

  @Prop()
  recipient_fullname?: string;

  /** Milliseconds since the epoch, assigned by the engine. */
  @Prop({ required: true })
  timestamp!: number;

  /** When the sender last edited the text (ms); absent if never. */
  @Prop()
  edited_at?: number;

  /** When the message was deleted (ms): its text is then empty and its attributes and metadata gone. */
  @Prop()
  deleted_at?: number;

  /**
   * How many times the message was changed after it was stored (absent: never). A change is
   * stored only over the revision it was decided on, so two changes never interleave.
   */
  @Prop()
  revision?: number;
}

export const MessageSchema = SchemaFactory.createForClass(Message);

// Serves: the history of one conversation, direct or group, paged by message id (GET .../conversations/:peer/messages, GET /admin/v1/groups/:id/messages).
MessageSchema.index({ app_id: 1, pair: 1, _id: 1 });
// Serves: dedupe of redelivered messages (the same client_message_id from the same sender is stored once).
MessageSchema.index({ app_id: 1, dedupe_key: 1 }, { unique: true });
