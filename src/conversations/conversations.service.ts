import { Injectable } from '@nestjs/common';
import { isValidGroupId, messageIdFloor, pairKey } from '@app/protocol';
import { AppConfig } from '../config';
import { decodeCursor, readKept, readPage } from '../common/pagination';
import { MessagesRepository } from '../messages/messages.repository';
import { Conversation } from './conversation.schema';
import { ConversationArchivesRepository } from './conversation-archives.repository';
import { byRecency, PageCursor } from './conversations.repository';
import { ConversationKey, ConversationSummaries } from './conversation-summaries';
import { ConversationPageResponse, ConversationResponse } from './dto/conversation.response';
import { GroupMemberships, MemberGroup } from './group-memberships';
import { ReadStateRepository } from '../receipts/read-state.repository';
import { ReadState } from '../receipts/read-state.schema';
import { unreadCount } from '../receipts/unread';

@Injectable()
export class ConversationsService {
  constructor(
    private readonly summaries: ConversationSummaries,
    private readonly archives: ConversationArchivesRepository,
    private readonly messages: MessagesRepository,
    private readonly groups: GroupMemberships,
    private readonly readStates: ReadStateRepository,
    private readonly config: AppConfig,
  ) {}

  /**
   * A user's conversations, most recent activity first: direct ones and their groups' (one summary
   * per group, `peer` the group id). The unread count is the messages of others after the user's
   * read position (docs/receipts.md); in a group also only since the user joined (with
   * GROUP_HISTORY_FOR_NEW_MEMBERS=all: since it began). A direct conversation never read keeps the
   * summary's running count; anything else is counted for the page, when a message may be unread.
   * Archived conversations (an archive mark later than their last message) are left out, or, with
   * `archived`, the only ones listed; the filter runs on the rows read, which go on past the ones it
   * drops, so a page is short only at the end of the list.
   */
  async list(owner: string, limit: number, cursor?: string, archived = false): Promise<ConversationPageResponse> {
    const after = cursor ? decodeCursor<{ t: number; id: string }>(cursor, { t: 'number', id: 'string' }) : undefined;
    const { appId } = this.config;
    const [groups, marks] = await Promise.all([this.groups.of(owner), this.archives.of(appId, owner)]);
    const memberOf = new Map(groups.map((g) => [g.groupId, g]));
    const isArchived = (c: Conversation) => (marks.get(c.peer) ?? -Infinity) > c.updated_at;
    const read = archived ? this.archivedOnes(owner, marks, memberOf) : this.allOf(owner, memberOf);
    const page = await readPage(
      limit,
      (rows) =>
        readKept(rows, after && { updatedAt: after.t, id: after.id }, read, keyOf, (c) => isArchived(c) === archived, Math.min(marks.size, MAX_SLACK)),
      (c): Conversation => c,
      (last) => ({ t: last.updated_at, id: last._id }),
    );
    const states = await this.readStates.of(owner, page.items.map((c) => c.peer));
    const items = await Promise.all(page.items.map((c) => this.toResponse(owner, c, memberOf.get(c.peer), states.get(c.peer), archived)));
    return { items, next_cursor: page.next_cursor };
  }

  /** The user's direct conversations and their groups' summaries, merged. */
  private allOf(owner: string, memberOf: Map<string, MemberGroup>): PageReader {
    const { appId } = this.config;
    return async (cursor, rows) => {
      const groups = [...memberOf.keys()].map((g) => ({ owner: g, peer: g }));
      const [direct, grouped] = await Promise.all([
        this.summaries.page(appId, owner, rows, cursor),
        groups.length > 0 ? this.summaries.pageOf(appId, groups, rows, cursor) : [],
      ]);
      return [...direct, ...grouped].sort(byRecency).slice(0, rows);
    };
  }

  /** Only the conversations the user has marks for (read by `_id`): their groups', and direct ones. */
  private archivedOnes(owner: string, marks: Map<string, number>, memberOf: Map<string, MemberGroup>): PageReader {
    const { appId } = this.config;
    const keys = [...marks.keys()].flatMap((peer): ConversationKey[] =>
      isValidGroupId(peer) ? (memberOf.has(peer) ? [{ owner: peer, peer }] : []) : [{ owner, peer }],
    );
    return async (cursor, rows) => (keys.length === 0 ? [] : this.summaries.pageOf(appId, keys, rows, cursor));
  }

  private async toResponse(owner: string, c: Conversation, group: MemberGroup | undefined, state: ReadState | undefined, archived: boolean): Promise<ConversationResponse> {
    const item = { peer: c.peer, last_message: c.last_message, updated_at: c.updated_at, unread_count: c.unread_count, archived };
    if (!group && !state?.read_up_to) return item;
    const floor = group && messageIdFloor(this.config.groups.historyForNewMembers === 'since_join' ? group.joinedAt : group.createdAt);
    const pair = group ? c.peer : pairKey(owner, c.peer);
    const unread = await unreadCount(this.messages, { appId: this.config.appId, owner, pair, readUpTo: state?.read_up_to, lastMessageId: c.last_message.message_id, floor });
    return { ...item, unread_count: unread };
  }
}

/** Rows read beyond a page to make up for archived ones left out, at most (further reads follow when needed). */
const MAX_SLACK = 200;

type PageReader = (cursor: PageCursor | undefined, rows: number) => Promise<Conversation[]>;

function keyOf(c: Conversation): PageCursor {
  return { updatedAt: c.updated_at, id: c._id };
}
