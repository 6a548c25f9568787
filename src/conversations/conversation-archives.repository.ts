import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { DUPLICATE_KEY } from '../database/writes';
import { ConversationArchive } from './conversation-archive.schema';
import { conversationId } from './conversation.schema';

/**
 * Users' archive marks. Each write is one statement by `_id` that sets or deletes the whole mark,
 * never a read-modify-write: two engine instances handling the same user's commands at once end
 * with one of the two marks, never a corrupt one (docs/database.md: FerretDB's updates are not atomic).
 */
@Injectable()
export class ConversationArchivesRepository {
  constructor(@InjectModel(ConversationArchive.name) private readonly model: Model<ConversationArchive>) {}

  async set(appId: string, owner: string, peer: string, archivedAt: number): Promise<void> {
    const write = () =>
      this.model
        .updateOne(
          { _id: conversationId(appId, owner, peer) },
          { $set: { archived_at: archivedAt }, $setOnInsert: { app_id: appId, owner, peer } },
          { upsert: true },
        )
        .exec();
    try {
      await write();
    } catch (err) {
      // Two upserts of one new _id at once: FerretDB fails one with a duplicate key; the mark exists now, so this one updates it.
      if ((err as { code?: unknown }).code !== DUPLICATE_KEY) throw err;
      await write();
    }
  }

  async delete(appId: string, owner: string, peer: string): Promise<void> {
    await this.model.deleteOne({ _id: conversationId(appId, owner, peer) }).exec();
  }

  /** Every mark of the user: peer -> archived_at. A user archives few conversations, so this is small. */
  async of(appId: string, owner: string): Promise<Map<string, number>> {
    const docs = await this.model.find({ app_id: appId, owner }, { peer: 1, archived_at: 1 }).lean<Array<Pick<ConversationArchive, 'peer' | 'archived_at'>>>().exec();
    return new Map(docs.map((d) => [d.peer, d.archived_at]));
  }
}
