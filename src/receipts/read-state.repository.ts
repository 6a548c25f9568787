import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { AppConfig } from '../config';
import { DUPLICATE_KEY } from '../database/writes';
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
   * Moves a user's positions in one conversation forward, never back (`$max`: a late or concurrent
   * receipt cannot lower one), creating the document when it is the first. One write; returns the
   * positions before it (null: there were none), from which the caller knows what moved. Two
   * first writes of one document at once (two instances) may collide on its `_id`: the loser
   * writes again, over the winner's document.
   */
  async advance(a: Advance, now: number): Promise<ReadState | null> {
    const _id = readStateId(this.appId, a.owner, a.peer);
    const update = {
      $max: { ...(a.delivered && { delivered_up_to: a.delivered }), ...(a.read && { read_up_to: a.read }) },
      $set: { updated_at: now },
      $setOnInsert: { app_id: this.appId, owner: a.owner, peer: a.peer },
    };
    const write = () => this.model.findOneAndUpdate({ _id }, update, { upsert: true, returnDocument: 'before' }).lean<ReadState>().exec();
    try {
      return await write();
    } catch (err) {
      if ((err as { code?: unknown }).code !== DUPLICATE_KEY) throw err;
      return write();
    }
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
