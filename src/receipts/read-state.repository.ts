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
   * Moves a user's positions forward from `before` (as read), never back: a position is written only
   * when it is higher, and each write is conditional (absent or lower), so a late or concurrent
   * receipt cannot lower it. Returns the positions after, or null when nothing moved.
   */
  async advance(a: Advance, before: ReadState | undefined, now: number): Promise<ReadState | null> {
    const _id = readStateId(this.appId, a.owner, a.peer);
    const higher = (to: string | undefined, from: string | undefined) => (to && (!from || to > from) ? to : undefined);
    const delivered = higher(a.delivered, before?.delivered_up_to);
    const read = higher(a.read, before?.read_up_to);
    if (!delivered && !read) return null;
    if (!before) {
      const doc: ReadState = { _id, app_id: this.appId, owner: a.owner, peer: a.peer, updated_at: now, ...(delivered && { delivered_up_to: delivered }), ...(read && { read_up_to: read }) };
      if (await insertUnlessTaken(this.model.collection, doc)) return doc;
    }
    for (const [field, to] of [['delivered_up_to', delivered], ['read_up_to', read]] as const) {
      if (!to) continue;
      await this.model.updateOne({ _id, $or: [{ [field]: { $exists: false } }, { [field]: null }, { [field]: { $lt: to } }] }, { $set: { [field]: to, updated_at: now } }).exec();
    }
    return {
      ...(before ?? { _id, app_id: this.appId, owner: a.owner, peer: a.peer }),
      updated_at: now,
      ...(delivered && { delivered_up_to: delivered }),
      ...(read && { read_up_to: read }),
    } as ReadState;
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
