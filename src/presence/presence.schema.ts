import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { PresenceStatus } from '@app/protocol';

/**
 * What a user set and when they were last seen (docs/presence.md). `_id` is `app:user`. Whether the
 * user is online is not stored here: it is whether they have a counted connection (connections).
 * Written only by the instance that applies the broker's events (one writer per document).
 */
@Schema({ collection: 'presence', versionKey: false, _id: false })
export class PresenceDoc {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  user_id!: string;

  @Prop({ type: String })
  status?: PresenceStatus | null;

  @Prop({ type: String })
  text?: string | null;

  /** Milliseconds since the epoch. */
  @Prop({ type: Number })
  last_seen_at?: number | null;
}

export const PresenceSchema = SchemaFactory.createForClass(PresenceDoc);

/** A watcher's list of users (docs/presence.md); `_id` is `app:watcher`. Same writer as PresenceDoc. */
@Schema({ collection: 'presence_watches', versionKey: false, _id: false })
export class PresenceWatchDoc {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  watcher!: string;

  @Prop({ type: [String], required: true })
  users!: string[];
}

export const PresenceWatchSchema = SchemaFactory.createForClass(PresenceWatchDoc);
