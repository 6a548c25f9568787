import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * One user's positions in one conversation (docs/receipts.md): up to which message a device of
 * theirs received the messages, and up to which they saw them. `_id` is `app:owner:peer` (peer: the
 * other user, or the group). Positions only move forward (message ids sort by time). Derived data.
 */
@Schema({ collection: 'read_states', versionKey: false, _id: false })
export class ReadState {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  app_id!: string;

  @Prop({ required: true })
  owner!: string;

  @Prop({ required: true })
  peer!: string;

  @Prop({ type: String })
  delivered_up_to?: string;

  @Prop({ type: String })
  read_up_to?: string;

  /** Milliseconds since the epoch. */
  @Prop({ required: true })
  updated_at!: number;
}

export const ReadStateSchema = SchemaFactory.createForClass(ReadState);

// Serves: a group's members' positions (who received and read a message).
ReadStateSchema.index({ app_id: 1, peer: 1 });

export function readStateId(appId: string, owner: string, peer: string): string {
  return `${appId}:${owner}:${peer}`;
}
