import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { AppConfig } from '../config';
import { insertUnlessTaken } from '../database/writes';
import { ReadState, readStateId } from './read-state.schema';

/** The positions a batch of receipts asks to move a user's conversation to (either may be absent). */
export interface Advance {
  owner: string;
  peer: string;
  delivered?: string;
  read?: string;
}

/** Users' delivered and read positions (docs/receipts.md). */
@Injectable()
export class ReadStateRepository {
  private readonly appId: string;

  constructor(
    @InjectModel(ReadState.name) private readonly model: Model<ReadState>,
    config: AppConfig,
  ) {
    this.appId = config.appId;
  }

  /**
   * Moves a user's positions forward, never back: each field is set only where it is absent or
   * lower (one conditional update per field, so a late or concurrent receipt cannot lower it).
   * Returns the positions after.
   */
  async advance(a: Advance, now: number): Promise<ReadState> {
    const _id = readStateId(this.appId, a.owner, a.peer);
    await insertUnlessTaken(this.model.collection, { _id, app_id: this.appId, owner: a.owner, peer: a.peer, updated_at: now });
    for (const field of ['delivered_up_to', 'read_up_to'] as const) {
      const to = field === 'read_up_to' ? a.read : a.delivered;
      if (!to) continue;
      await this.model.updateOne({ _id, $or: [{ [field]: { $exists: false } }, { [field]: null }, { [field]: { $lt: to } }] }, { $set: { [field]: to, updated_at: now } }).exec();
    }
    return (await this.model.findById(_id).lean().exec())!;
  }

  /** A user's positions in these conversations, by peer (by `_id`: fast on every server). */
  async of(owner: string, peers: string[]): Promise<Map<string, ReadState>> {
    const docs = await Promise.all(peers.map((peer) => this.model.findById(readStateId(this.appId, owner, peer)).lean().exec()));
    return new Map(docs.flatMap((d) => (d ? [[d.peer, d] as const] : [])));
  }

  /** Every member's positions in a group (or both users' in a direct conversation: one of each). */
  async inConversation(peer: string): Promise<ReadState[]> {
    return this.model.find({ app_id: this.appId, peer }).lean().exec();
  }
}
