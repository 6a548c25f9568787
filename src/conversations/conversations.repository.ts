import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { AnyBulkWriteOperation, Model } from 'mongoose';
import { mapInChunks } from '../common/async';
import { STATEMENTS_PER_BULK } from '../database';
import { Conversation, conversationId, LastMessage } from './conversation.schema';

/** A coalesced change to one conversation: the newest message and how many arrived unread. */
export interface ConversationChange {
  appId: string;
  owner: string;
  peer: string;
  last: LastMessage;
  unreadIncrement: number;
}

/** A changed (edited, deleted) message, for the summaries whose last message it still is. */
export interface ConversationRevision {
  appId: string;
  owner: string;
  peer: string;
  last: LastMessage;
}

/** Summaries read by `_id` at once for a page of given ones (a user's groups, archived conversations). */
const LOOKUPS_AT_ONCE = 8;

export interface ConversationPageQuery {
  appId: string;
  /** A user's conversations; or, with `groups`, the summaries of these groups instead; or, with `ids`, these summaries (by `_id`). */
  owner: string;
  groups?: string[];
  ids?: string[];
  limit: number;
  /** Only conversations last updated before this time (ms), or at it with a smaller _id. */
  cursor?: { updatedAt: number; id: string };
}

@Injectable()
export class ConversationsRepository {
  constructor(@InjectModel(Conversation.name) private readonly model: Model<Conversation>) {}

  /** Applies at most STATEMENTS_PER_BULK changes in one bulk of upserts (BulkUpdates makes the bulks). */
  async applyBulk(changes: ConversationChange[]): Promise<void> {
    if (changes.length > STATEMENTS_PER_BULK) throw new Error(`at most ${STATEMENTS_PER_BULK} changes per bulk`);
    const ops: AnyBulkWriteOperation<Conversation>[] = changes.map((c) => ({
      updateOne: {
        filter: { _id: conversationId(c.appId, c.owner, c.peer) },
        update: {
          $set: { last_message: c.last, updated_at: c.last.timestamp },
          $inc: { unread_count: c.unreadIncrement },
          $setOnInsert: { app_id: c.appId, owner: c.owner, peer: c.peer },
        },
        upsert: true,
      },
    }));
    await this.model.bulkWrite(ops, { ordered: true });
  }

  /**
   * Replaces the last message of each summary whose last message is still the revised one (by its
   * id); a summary that moved on to a newer message, or that does not exist, is left as it is.
   */
  async reviseBulk(revisions: ConversationRevision[]): Promise<void> {
    if (revisions.length > STATEMENTS_PER_BULK) throw new Error(`at most ${STATEMENTS_PER_BULK} revisions per bulk`);
    const ops: AnyBulkWriteOperation<Conversation>[] = revisions.map((r) => ({
      updateOne: {
        filter: { _id: conversationId(r.appId, r.owner, r.peer), 'last_message.message_id': r.last.message_id },
        update: { $set: { last_message: r.last } },
      },
    }));
    await this.model.bulkWrite(ops, { ordered: true });
  }

  async page(q: ConversationPageQuery): Promise<Conversation[]> {
    const ids = q.ids ?? q.groups?.map((g) => conversationId(q.appId, g, g));
    if (ids !== undefined) return this.pageOf(ids, q);
    const filter: Record<string, unknown> = { app_id: q.appId, owner: q.owner };
    if (q.cursor) {
      filter.$or = [
        { updated_at: { $lt: q.cursor.updatedAt } },
        { updated_at: q.cursor.updatedAt, _id: { $lt: q.cursor.id } },
      ];
    }
    return this.model.find(filter).sort({ updated_at: -1, _id: -1 }).limit(q.limit).lean<Conversation[]>().exec();
  }

  /**
   * A page of these summaries: each read by its `_id` (an index lookup on every server; FerretDB
   * does not push `_id: { $in }` down, so that would read every summary), then ordered as `page`.
   */
  private async pageOf(ids: string[], q: ConversationPageQuery): Promise<Conversation[]> {
    const found = await mapInChunks(ids, LOOKUPS_AT_ONCE, (id) => this.model.findById(id).lean<Conversation>().exec());
    const { cursor } = q;
    const older = (c: Conversation) => !cursor || c.updated_at < cursor.updatedAt || (c.updated_at === cursor.updatedAt && c._id < cursor.id);
    return found
      .filter((c): c is Conversation => c !== null && older(c))
      .sort(byRecency)
      .slice(0, q.limit);
  }

  async findOne(appId: string, owner: string, peer: string): Promise<Conversation | null> {
    return this.model.findById(conversationId(appId, owner, peer)).lean<Conversation>().exec();
  }
}

/** Most recent first; ties by id, as `page` orders them. */
export function byRecency(a: Conversation, b: Conversation): number {
  return b.updated_at - a.updated_at || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0);
}
