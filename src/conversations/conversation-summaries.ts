import { Injectable } from '@nestjs/common';
import { mapInChunks } from '../common/async';
import { groupBy } from '../common/collections';
import { ConversationChangeEntry, writerOf } from './conversation-change.schema';
import { ConversationChangesRepository } from './conversation-changes.repository';
import { Conversation, conversationId, LastMessage } from './conversation.schema';
import { byRecency, ConversationsRepository, PageCursor } from './conversations.repository';

/** Summaries read at once for a page of given ones (a user's groups, archived conversations). */
const LOOKUPS_AT_ONCE = 8;

export interface ConversationKey {
  owner: string;
  peer: string;
}

/**
 * Conversation summaries as users see them: each stored summary with the changes not folded into
 * it yet merged over it (the writer inserts a message's changes within a quarter of a second; the
 * folder writes them into the summaries about ten seconds later). Every reader of the summaries reads them here.
 */
@Injectable()
export class ConversationSummaries {
  constructor(
    private readonly summaries: ConversationsRepository,
    private readonly changes: ConversationChangesRepository,
  ) {}

  async findOne(appId: string, owner: string, peer: string): Promise<Conversation | null> {
    const [summary, changes] = await Promise.all([this.summaries.findOne(appId, owner, peer), this.changes.ofConversation(appId, owner, peer)]);
    return mergeChanges(summary, changes);
  }

  /**
   * A page of the owner's conversations, most recent first, older than the cursor: the stored page
   * (as many rows more as the owner has changed conversations, which may move up) with the changed
   * ones merged and put in their place. The page and the changes are read at once, the page with
   * twice the rows asked for; it is read again only when more conversations than that changed.
   */
  async page(appId: string, owner: string, limit: number, cursor?: PageCursor): Promise<Conversation[]> {
    const read = (rows: number) => this.summaries.page({ appId, owner, limit: rows, cursor });
    const [changes, firstRows] = await Promise.all([this.changes.ofOwner(appId, owner), read(2 * limit)]);
    if (changes.length === 0) return firstRows.slice(0, limit);
    const changedPeers = groupBy(changes, (c) => c.peer);
    const rows = changedPeers.size <= limit || firstRows.length < 2 * limit ? firstRows : await read(limit + changedPeers.size);
    const stored = new Map(rows.filter((r) => changedPeers.has(r.peer)).map((r) => [r.peer, r]));
    const missing = [...changedPeers.keys()].filter((peer) => !stored.has(peer));
    const found = await mapInChunks(missing, LOOKUPS_AT_ONCE, (peer) => this.summaries.findOne(appId, owner, peer));
    found.forEach((summary) => summary && stored.set(summary.peer, summary));
    const changed = [...changedPeers].map(([peer, of]) => mergeChanges(stored.get(peer) ?? null, of));
    return [...rows.filter((r) => !changedPeers.has(r.peer)), ...changed.filter((c): c is Conversation => c !== null && olderThan(c, cursor))]
      .sort(byRecency)
      .slice(0, limit);
  }

  /** A page of these conversations (a user's groups, their archived ones), each read by `_id`, ordered as `page`. */
  async pageOf(appId: string, keys: readonly ConversationKey[], limit: number, cursor?: PageCursor): Promise<Conversation[]> {
    const found = await mapInChunks(keys, LOOKUPS_AT_ONCE, (k) => this.findOne(appId, k.owner, k.peer));
    return found
      .filter((c): c is Conversation => c !== null && olderThan(c, cursor))
      .sort(byRecency)
      .slice(0, limit);
  }
}

/**
 * A summary with its changes merged over it, in any order: the newest message (by id) is the last
 * one, unread increments add up, and a revision of that message (the latest one: a deletion over an
 * edit) replaces it. Changes the summary's engine folded in already (up to its `folded_through`)
 * are skipped. Null when there is no summary and no change that makes one.
 */
export function mergeChanges(summary: Conversation | null, changes: readonly ConversationChangeEntry[]): Conversation | null {
  let merged: Conversation | null = summary && { ...summary };
  for (const c of changes) {
    if (c.revised || isFoldedIn(c.record, summary?.folded_through)) continue;
    if (!merged) {
      merged = { _id: conversationId(c.app_id, c.owner, c.peer), app_id: c.app_id, owner: c.owner, peer: c.peer, last_message: c.last_message, updated_at: c.last_message.timestamp, unread_count: c.unread_increment };
      continue;
    }
    merged.unread_count += c.unread_increment;
    if (c.last_message.message_id > merged.last_message.message_id) {
      merged.last_message = c.last_message;
      merged.updated_at = c.last_message.timestamp;
    }
  }
  if (!merged) return null;
  for (const c of changes) {
    if (c.revised && c.last_message.message_id === merged.last_message.message_id && isLaterRevision(c.last_message, merged.last_message)) merged.last_message = c.last_message;
  }
  return merged;
}

/**
 * Change records' ids are ObjectIds (hex): seconds, then 5 bytes of the engine process, then a
 * counter, so one engine's records order by `_id`; another engine's (one that stopped before
 * folding its own) are never taken as folded by this one's mark.
 */
export function isFoldedIn(recordId: string, foldedThrough: string | undefined): boolean {
  return foldedThrough !== undefined && writerOf(recordId) === writerOf(foldedThrough) && recordId <= foldedThrough;
}

/** Deleted over edited (over as sent), and a later edit over an earlier one. */
export function isLaterRevision(revised: LastMessage, than: LastMessage): boolean {
  if (than.deleted_at !== undefined) return false;
  return revised.deleted_at !== undefined || (revised.edited_at ?? 0) >= (than.edited_at ?? 0);
}

function olderThan(c: Conversation, cursor: PageCursor | undefined): boolean {
  return !cursor || c.updated_at < cursor.updatedAt || (c.updated_at === cursor.updatedAt && c._id < cursor.id);
}
