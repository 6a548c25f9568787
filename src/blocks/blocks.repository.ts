import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { insertUnlessTaken } from '../database/writes';
import { Block, blockKey } from './block.schema';


export interface BlockPageQuery {
  appId: string;
  blocker: string;
  limit: number;
  /** Only blocks of users with a larger id. */
  after?: string;
}

@Injectable()
export class BlocksRepository {
  constructor(@InjectModel(Block.name) private readonly model: Model<Block>) {}

  /** Stores the block unless the pair is blocked already; returns the stored one and whether it is new. */
  async insert(block: Omit<Block, '_id'>): Promise<{ block: Block; created: boolean }> {
    const record: Block = { _id: blockKey(block.app_id, block.blocker, block.blocked), ...block };
    if (await insertUnlessTaken(this.model.collection, record)) return { block: record, created: true };
    const existing = await this.findOne(block.app_id, block.blocker, block.blocked);
    // Unblocked between the two calls: what the caller asked for has been undone since.
    return { block: existing ?? record, created: false };
  }

  /** True when a block was removed. */
  async delete(appId: string, blocker: string, blocked: string): Promise<boolean> {
    const { deletedCount } = await this.model.deleteOne({ _id: blockKey(appId, blocker, blocked) }).exec();
    return deletedCount > 0;
  }

  async findOne(appId: string, blocker: string, blocked: string): Promise<Block | null> {
    return this.model.findById(blockKey(appId, blocker, blocked)).lean<Block>().exec();
  }

  async exists(appId: string, blocker: string, blocked: string): Promise<boolean> {
    return (await this.model.findById(blockKey(appId, blocker, blocked), { _id: 1 }).lean().exec()) !== null;
  }

  /**
   * The users in a block with this one, either way: two equality queries, which an index serves on
   * MongoDB and on the stack's FerretDB (an `$or` of the two would read every block there).
   */
  async partnersOf(appId: string, userId: string): Promise<Set<string>> {
    const [blocked, blockers] = await Promise.all([
      this.model.find({ app_id: appId, blocker: userId }, { _id: 0, blocked: 1 }).lean<Array<{ blocked: string }>>().exec(),
      this.model.find({ app_id: appId, blocked: userId }, { _id: 0, blocker: 1 }).lean<Array<{ blocker: string }>>().exec(),
    ]);
    return new Set([...blocked.map((r) => r.blocked), ...blockers.map((r) => r.blocker)]);
  }

  async page(q: BlockPageQuery): Promise<Block[]> {
    const filter: Record<string, unknown> = { app_id: q.appId, blocker: q.blocker };
    if (q.after !== undefined) filter.blocked = { $gt: q.after };
    return this.model.find(filter).sort({ blocked: 1 }).limit(q.limit).lean<Block[]>().exec();
  }

  /** Deletes every block the user made or received (two deletes, no update command). */
  async deleteAllOf(appId: string, userId: string): Promise<number> {
    const made = await this.model.deleteMany({ app_id: appId, blocker: userId }).exec();
    const received = await this.model.deleteMany({ app_id: appId, blocked: userId }).exec();
    return made.deletedCount + received.deletedCount;
  }
}
