import { AmqpPublisher } from '@app/amqp-transport';
import { TopicLayout } from '@app/protocol';
import { decodeCursor } from '../common/pagination';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig } from '../config';
import { ReadStateRepository } from '../receipts/read-state.repository';
import { MessageRecord } from './message.record';
import { HistoryQuery, MessagesRepository } from './messages.repository';
import { HistoryRequest, MessagesService } from './messages.service';

// Ids sort as time does; ten messages in one conversation, one in another.
const id = (n: number) => `01J${String(n).padStart(23, '0')}`;
const record = (n: number, pair = 'g'): MessageRecord =>
  ({ _id: id(n), app_id: 'app', pair, sender: 'ann', recipient: 'bob', type: 'text', text: `m${n}`, timestamp: n, dedupe_key: `k${n}` }) as MessageRecord;
const stored = [...Array.from({ length: 10 }, (_, i) => record(i + 1)), record(11, 'other')];

/** The repository's history query over `stored`, as the database would answer it. */
const repository = {
  findById: jest.fn(async (_app: string, messageId: string) => stored.find((m) => m._id === messageId) ?? null),
  history: jest.fn(async (q: HistoryQuery) => {
    const rows = stored.filter((m) => m.pair === q.pair && (!q.before || m._id < q.before) && (!q.after || m._id > q.after));
    return (q.order === 'asc' ? rows : rows.reverse()).slice(0, q.limit);
  }),
};
const service = new MessagesService(
  repository as unknown as MessagesRepository,
  {} as ReadStateRepository,
  {} as AmqpPublisher,
  {} as TopicLayout,
  { appId: 'app' } as AppConfig,
);

const page = (q: Partial<HistoryRequest>, floor?: string) => service.page('g', { limit: 3, order: 'asc', ...q }, floor);
const texts = (p: { items: Array<{ text: string }> }) => p.items.map((m) => m.text);
const at = (cursor: string | null | undefined) => (cursor ? decodeCursor<{ id: string }>(cursor, { id: 'string' }).id : cursor);
const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (err: unknown) => (err instanceof DomainError ? err.code : err));

describe('MessagesService: a page around a message', () => {
  it('centres the page on the message, with cursors on from its two ends', async () => {
    const p = await page({ around: id(5) });
    expect(texts(p)).toEqual(['m4', 'm5', 'm6']);
    expect([at(p.next_cursor), at(p.prev_cursor)]).toEqual([id(6), id(4)]);
    // The cursors page on: newer in the same order, older in the opposite one.
    expect(texts(await page({ cursor: p.next_cursor! }))).toEqual(['m7', 'm8', 'm9']);
    expect(texts(await page({ cursor: p.prev_cursor!, order: 'desc' }))).toEqual(['m3', 'm2', 'm1']);
  });

  it('in desc order gives newest first, next_cursor towards older ones', async () => {
    const p = await page({ around: id(5), order: 'desc', limit: 4 });
    expect(texts(p)).toEqual(['m7', 'm6', 'm5', 'm4']);
    expect([at(p.next_cursor), at(p.prev_cursor)]).toEqual([id(4), id(7)]);
  });

  it('has no cursor towards an end it reached, and holds the message alone with a limit of 1', async () => {
    const first = await page({ around: id(1) });
    expect(texts(first)).toEqual(['m1', 'm2', 'm3']);
    expect(first.prev_cursor).toBeNull();
    const last = await page({ around: id(10), limit: 2 });
    expect(texts(last)).toEqual(['m9', 'm10']);
    expect(last.next_cursor).toBeNull();
    const one = await page({ around: id(5), limit: 1 });
    expect(texts(one)).toEqual(['m5']);
    expect([at(one.next_cursor), at(one.prev_cursor)]).toEqual([id(5), id(5)]);
  });

  it("keeps below the reader's floor out, and refuses a message under it, of another conversation or unknown", async () => {
    const p = await page({ around: id(5) }, id(4));
    expect(texts(p)).toEqual(['m5', 'm6', 'm7']);
    expect(p.prev_cursor).toBeNull();
    expect(await codeOf(page({ around: id(3) }, id(4)))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
    expect(await codeOf(page({ around: id(11) }))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
    expect(await codeOf(page({ around: id(99) }))).toBe(ErrorCode.MESSAGE_NOT_FOUND);
  });

  it('refuses around with a cursor', async () => {
    expect(await codeOf(page({ around: id(5), cursor: 'x' }))).toBe(ErrorCode.VALIDATION_FAILED);
  });
});
