import { LRUCache } from 'lru-cache';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { PublishRequest } from '@app/amqp-transport';
import { ErrorCode, isGroupId, pairKey, ReceiptNotice, ReceiptResult, TopicLayout } from '@app/protocol';
import { AppConfig } from '../config';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { MessagePlace, MessagesRepository } from '../messages/messages.repository';
import { mapInChunks, MicroBatcher } from '../common/async';
import { ReadState } from './read-state.schema';
import { Advance, ReadStateRepository } from './read-state.repository';

/** One receipt as the pipeline hands it over: who, in which conversation, which kind, up to which message. */
export interface ReceiptInput {
  owner: string;
  peer: string;
  kind: 'delivered' | 'read';
  messageId: string;
  /** The delivery order (batches are applied in it). */
  order: number;
}

/** What became of a receipt: applied (or a no-op: an older position), or refused with a notice sent. */
export type ReceiptOutcome = { applied: true } | { applied: false; code: ErrorCode.MESSAGE_NOT_FOUND; reason: string };

interface Pending {
  input: ReceiptInput;
  settle: (outcome: ReceiptOutcome) => void;
  fail: (err: unknown) => void;
}

/** Receipts of one batch that name one conversation. */
interface ConversationBatch {
  owner: string;
  peer: string;
  items: Pending[];
}

const MAX_BATCH = 500;
/**
 * How long receipts gather before a batch: a reader's receipts in that time cost one write of their
 * conversation. A receipt is not urgent (a tick a second late is a tick); the database's writes are
 * what receipts cost, and FerretDB takes a few hundred single writes a second in all.
 */
const GATHER_MS = 1_000;
/** Conversations written at once (FerretDB answers many concurrent updates far slower, and can hang). */
const WRITES_AT_ONCE = 4;
/** Conversations whose positions this instance remembers (so a receipt that moves nothing costs no write). */
const KNOWN_POSITIONS = 100_000;

/** Positions as this instance last wrote or saw them: at or below the stored ones. */
type Positions = Pick<ReadState, 'delivered_up_to' | 'read_up_to'>;

/**
 * Read positions (docs/receipts.md). Receipts are gathered in batches (the next one while the last
 * is written), coalesced per conversation: a burst of receipts is at most one write per
 * conversation, none when the positions this instance knows already cover it. Each named message
 * must be a message of that conversation; the positions move forward only; then the other party of
 * a direct conversation and, when the read position moved, the reader's own devices are told. A
 * receipt settles once its conversation's positions are stored, so the broker's ack never runs
 * ahead of the database.
 */
@Injectable()
export class ReceiptsService implements OnModuleDestroy {
  private readonly logger = new Logger(ReceiptsService.name);
  private readonly batcher: MicroBatcher<Pending>;
  private readonly known = new LRUCache<string, Positions>({ max: KNOWN_POSITIONS });

  constructor(
    private readonly config: AppConfig,
    private readonly topics: TopicLayout,
    private readonly messages: MessagesRepository,
    private readonly states: ReadStateRepository,
    private readonly delivery: DeliveryPublisher,
  ) {
    this.batcher = new MicroBatcher<Pending>({ maxSize: MAX_BATCH, maxWaitMs: GATHER_MS, orderOf: (p) => p.input.order, maxTails: 1 }, (batch) => this.apply(batch).then(() => null));
  }

  record(input: ReceiptInput): Promise<ReceiptOutcome> {
    return new Promise((settle, fail) => this.batcher.add({ input, settle, fail }));
  }

  onModuleDestroy(): void {
    for (const p of this.batcher.stop()) p.fail(new Error('shutting down'));
  }

  private async apply(batch: Pending[]): Promise<void> {
    const ids = [...new Set(batch.map((p) => p.input.messageId))];
    let found: Map<string, MessagePlace>;
    try {
      found = await this.messages.placesOf(ids);
    } catch (err) {
      batch.forEach((p) => p.fail(err));
      return;
    }
    const byConversation = new Map<string, ConversationBatch>();
    for (const p of batch) {
      const key = `${p.input.owner}\u0000${p.input.peer}`;
      const c = byConversation.get(key) ?? { owner: p.input.owner, peer: p.input.peer, items: [] };
      c.items.push(p);
      byConversation.set(key, c);
    }
    await mapInChunks([...byConversation.values()], WRITES_AT_ONCE, (c) => this.applyConversation(c, found));
  }

  private async applyConversation(c: ConversationBatch, found: Map<string, MessagePlace>): Promise<void> {
    const pair = isGroupId(c.peer) ? c.peer : pairKey(c.owner, c.peer);
    const advance: Advance = { owner: c.owner, peer: c.peer };
    const refused: Pending[] = [];
    for (const p of c.items) {
      const m = found.get(p.input.messageId);
      if (!m || m.app_id !== this.config.appId || m.pair !== pair) {
        refused.push(p);
        continue;
      }
      // Read implies delivered.
      const id = p.input.messageId;
      advance.delivered = maxId(advance.delivered, id);
      if (p.input.kind === 'read') advance.read = maxId(advance.read, id);
    }
    try {
      const requests: PublishRequest[] = refused.map((p) => this.refusal(p.input));
      const moved = advance.delivered ? await this.advance(advance) : null;
      if (moved) requests.push(...this.notices(c.owner, c.peer, moved.after, moved.readMoved));
      await this.delivery.publishAll(requests);
    } catch (err) {
      c.items.forEach((p) => p.fail(err));
      return;
    }
    for (const p of c.items) {
      p.settle(refused.includes(p) ? { applied: false, code: ErrorCode.MESSAGE_NOT_FOUND, reason: notFound(p.input) } : { applied: true });
    }
  }

  /**
   * Stores what moves the positions past those known (no write when nothing does). Returns the
   * positions after and whether the read one moved, or null when nothing moved.
   */
  private async advance(a: Advance): Promise<{ after: Positions; readMoved: boolean } | null> {
    const key = `${a.owner}\u0000${a.peer}`;
    const known = this.known.get(key);
    const delivered = above(a.delivered, known?.delivered_up_to);
    const read = above(a.read, known?.read_up_to);
    if (!delivered && !read) return null;
    const stored = await this.states.advance({ owner: a.owner, peer: a.peer, delivered, read }, Date.now());
    const before: Positions = { delivered_up_to: maxOf(stored?.delivered_up_to, known?.delivered_up_to), read_up_to: maxOf(stored?.read_up_to, known?.read_up_to) };
    const after: Positions = { delivered_up_to: maxOf(before.delivered_up_to, delivered), read_up_to: maxOf(before.read_up_to, read) };
    this.known.set(key, after);
    const readMoved = after.read_up_to !== before.read_up_to;
    return readMoved || after.delivered_up_to !== before.delivered_up_to ? { after, readMoved } : null;
  }

  /**
   * The new positions: in a direct conversation to the other party (their messages arrived, were
   * read), and when the read position moved to the reader's own devices (their unread counts).
   * In a group nobody else is told per receipt (docs/receipts.md: members' positions are queried).
   */
  private notices(owner: string, peer: string, s: Positions, readMoved: boolean): PublishRequest[] {
    const notice: ReceiptNotice = { user: owner, timestamp: Date.now() };
    if (s.delivered_up_to) notice.delivered_up_to = s.delivered_up_to;
    if (s.read_up_to) notice.read_up_to = s.read_up_to;
    const body = this.delivery.body(notice);
    const requests: PublishRequest[] = [];
    if (readMoved) requests.push(this.delivery.requestTo(this.topics.receiptsUpdated(owner, peer), body));
    if (!isGroupId(peer) && peer !== owner) requests.push(this.delivery.requestTo(this.topics.receiptsUpdated(peer, owner), body));
    return requests;
  }

  private refusal(r: ReceiptInput): PublishRequest {
    const result: ReceiptResult = { receipt: r.kind, message_id: r.messageId, ok: false, code: ErrorCode.MESSAGE_NOT_FOUND, reason: notFound(r), timestamp: Date.now() };
    this.logger.warn({ user_id: r.owner, peer: r.peer, message_id: r.messageId, code: result.code }, 'receipt refused');
    return this.delivery.requestTo(this.topics.receiptsResult(r.owner, r.peer), result);
  }
}

function notFound(r: ReceiptInput): string {
  return `no message ${r.messageId} in the conversation with ${r.peer}`;
}

function maxId(a: string | undefined, b: string): string {
  return a !== undefined && a > b ? a : b;
}

function maxOf(a: string | undefined, b: string | undefined): string | undefined {
  return a === undefined ? b : b === undefined ? a : maxId(a, b);
}

/** `to` when it is past `from` (or there is no `from`), else undefined. */
function above(to: string | undefined, from: string | undefined): string | undefined {
  return to !== undefined && (from === undefined || to > from) ? to : undefined;
}
