import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * `blocker` blocks `blocked`: messages between the two are refused both ways. `_id` is
 * `app:blocker:blocked`, so "is this pair blocked either way" is two `_id` lookups, and block /
 * unblock are an insert / a delete by `_id` (idempotent, and no update command on FerretDB).
 */
@Schema({ collection: 'blocks', versionKey: false, _id: false })
export class Block {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  app_id!: string;

  @Prop({ required: true })
  blocker!: string;

  @Prop({ required: true })
  blocked!: string;

  @Prop()
  reason?: string;

  /** Milliseconds since the epoch. */
  @Prop({ required: true })
  created_at!: number;
}

export const BlockSchema = SchemaFactory.createForClass(Block);

// Serves: GET /admin/v1/users/:userId/blocks (whom one user blocks, paged by blocked id), and
// keeps one block per pair and direction even for writers that do not build the `_id`.
BlockSchema.index({ app_id: 1, blocker: 1, blocked: 1 }, { unique: true });
// Serves: deleting the blocks of a deleted user made by others (DELETE /admin/v1/users/:userId).
BlockSchema.index({ app_id: 1, blocked: 1 });

export function blockKey(appId: string, blocker: string, blocked: string): string {
  return `${appId}:${blocker}:${blocked}`;
}
