import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { AnyBulkWriteOperation, Model } from 'mongoose';
import { STATEMENTS_PER_BULK } from '../database';
import { Conversation, conversationId, LastMessage } from './conversation.schema';

/** A coalesced change to one conversation: the newest message and how many arrived unread. */
export interface ConversationChange {
  appId: string;
  owner: string;
  peer: string;
  last: LastMessage;
  unreadIncrement: number;
  /** The newest change record it folds (conversation-change.schema.ts), kept as the summary's `folded_through`. */
  through?: string;
}

/** Adds one change of a conversation to another: unread increments add up, the newest message and record win. */
export function addTo(change: ConversationChange, other: ConversationChange): void {
  change.unreadIncrement += other.unreadIncrement;
  if (other.last.message_id > change.last.message_id) change.last = other.last;
  if (other.through && (!change.through || other.through > change.through)) change.through = other.through;
}

/** A changed (edited, deleted) message, for the summaries whose last message it still is. */
export interface ConversationRevision {
  appId: string;
  owner: string;
  peer: string;
  last: LastMessage;
}

/** Pages go on from the last one read: older, or as old with a smaller `_id`. */
export interface PageCursor {
  updatedAt: number;
  id: string;
}

export interface ConversationPageQuery {
  appId: string;
  owner: string;
  limit: number;
  /** Only conversations last updated before this time (ms), or at it with a smaller _id. */
  cursor?: PageCursor;
}

/**
 * The stored summaries. Readers read them through ConversationSummaries, which merges the changes
 * not folded in yet; the folder (one per engine) is their one writer.
 */
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
          $set: { last_message: c.last, updated_at: c.last.timestamp, ...(c.through && { folded_through: c.through }) },
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

  /**
   * Writes these summaries as they are (at most STATEMENTS_PER_BULK, in one bulk of upserts): for
   * changes merged over a summary read just before, which add up in no other way.
   */
  async replaceBulk(summaries: Conversation[]): Promise<void> {
    if (summaries.length > STATEMENTS_PER_BULK) throw new Error(`at most ${STATEMENTS_PER_BULK} summaries per bulk`);
    const ops: AnyBulkWriteOperation<Conversation>[] = summaries.map((c) => ({
      updateOne: {
        filter: { _id: c._id },
        update: {
          $set: { last_message: c.last_message, updated_at: c.updated_at, unread_count: c.unread_count },
          $setOnInsert: { app_id: c.app_id, owner: c.owner, peer: c.peer },
        },
        upsert: true,
      },
    }));
    await this.model.bulkWrite(ops, { ordered: true });
  }

  /** A page of the owner's stored summaries, most recent first. */
  async page(q: ConversationPageQuery): Promise<Conversation[]> {
    const filter: Record<string, unknown> = { app_id: q.appId, owner: q.owner };
    if (q.cursor) {
      filter.$or = [
        { updated_at: { $lt: q.cursor.updatedAt } },
        { updated_at: q.cursor.updatedAt, _id: { $lt: q.cursor.id } },
      ];
    }
    return this.model.find(filter).sort({ updated_at: -1, _id: -1 }).limit(q.limit).lean<Conversation[]>().exec();
  }

  async findOne(appId: string, owner: string, peer: string): Promise<Conversation | null> {
    return this.model.findById(conversationId(appId, owner, peer)).lean<Conversation>().exec();
  }
}

/** Most recent first; ties by id, as `page` orders them. */
export function byRecency(a: Conversation, b: Conversation): number {
  return b.updated_at - a.updated_at || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0);
}
