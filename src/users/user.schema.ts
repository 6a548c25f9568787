import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';

/**
 * A registered chat user of one app. `_id` is `app:user`, so the pipeline's lookups (does the
 * recipient exist, is the sender disabled) are `_id` lookups, the only fast kind on FerretDB.
 * Times are milliseconds since the epoch, as everywhere in the engine.
 */
@Schema({ collection: 'users', versionKey: false, _id: false })
export class User {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  app_id!: string;

  @Prop({ required: true })
  user_id!: string;

  @Prop({ required: true })
  display_name!: string;

  /**
   * The app's free-form metadata as JSON text, so any key (`$gt`, `a.b`, NUL) is stored and read
   * back exactly on every MongoDB-wire server. Users stored before hold an object, still read.
   * UsersRepository converts both ways.
   */
  @Prop({ type: MongooseSchema.Types.Mixed })
  metadata?: string | Record<string, unknown>;

  @Prop({ required: true, default: false })
  disabled!: boolean;

  @Prop()
  disabled_reason?: string;

  @Prop()
  disabled_at?: number;

  @Prop({ required: true })
  created_at!: number;

  @Prop({ required: true })
  updated_at!: number;
}

export const UserSchema = SchemaFactory.createForClass(User);

// Serves: GET /admin/v1/users?disabled=... (one app's users by id, optionally only the disabled or
// the enabled ones). Without the filter the `_id` index serves it: ids of one app share a prefix.
UserSchema.index({ app_id: 1, disabled: 1, _id: 1 });

export function userKey(appId: string, userId: string): string {
  return `${appId}:${userId}`;
}
