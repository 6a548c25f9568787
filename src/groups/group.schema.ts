import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { GroupRole } from '@app/protocol';

export class GroupMemberDoc {
  user_id!: string;
  role!: GroupRole;
  /** Milliseconds since the epoch. */
  joined_at!: number;
}

/**
 * A group of one app. `_id` is `app:groupId`, so the pipeline's membership lookups are `_id`
 * lookups (the only fast kind on FerretDB). The members live in the group document: one document
 * per group, written by one writer at a time (`version`: a change applies only to the version it
 * was computed from, else it is computed again), so no two changes of a group interleave.
 */
@Schema({ collection: 'groups', versionKey: false, _id: false })
export class Group {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  app_id!: string;

  @Prop({ required: true })
  group_id!: string;

  @Prop({ required: true })
  name!: string;

  @Prop({ required: true })
  owner!: string;

  /** Free-form JSON as text, so any key is stored exactly (as users' metadata). */
  @Prop()
  attributes?: string;

  @Prop({ type: [Object], required: true })
  members!: GroupMemberDoc[];

  @Prop({ required: true })
  created_at!: number;

  @Prop({ required: true })
  updated_at!: number;

  /** Bumped by every change: the optimistic lock of the one-writer rule. */
  @Prop({ required: true })
  version!: number;
}

export const GroupSchema = SchemaFactory.createForClass(Group);

// Serves: a user's groups (GET /admin/v1/groups?member=, the conversation list, deleting a user).
GroupSchema.index({ app_id: 1, 'members.user_id': 1, group_id: 1 });
// Serves: all groups of an app, paged by id (GET /admin/v1/groups).
GroupSchema.index({ app_id: 1, group_id: 1 });

export function groupKey(appId: string, groupId: string): string {
  return `${appId}:${groupId}`;
}
