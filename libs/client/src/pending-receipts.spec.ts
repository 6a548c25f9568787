import { ClientErrorCode } from './errors';
import { PendingReceipts, ReceiptKind } from './pending-receipts';

/** Message ids sort by time: id(1) < id(2) < ... */
const id = (n: number) => `01J${n.toString().padStart(23, '0')}`;

function receipts(intervalMs = 500) {
  const published: Array<[string, ReceiptKind, string]> = [];
  const r = new PendingReceipts(intervalMs, (peer, kind, messageId) => published.push([peer, kind, messageId]));
  return { r, published };
}

describe('PendingReceipts', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('publishes the first read receipt at once, then at most one per interval: the highest of those in between', () => {
    const { r, published } = receipts();
    r.connected(false);
    r.add('bob', 'read', id(1));
    expect(published).toEqual([['bob', 'read', id(1)]]);
    for (const n of [3, 2, 5, 4]) r.add('bob', 'read', id(n));
    expect(published).toHaveLength(1);
    jest.advanceTimersByTime(499);
    expect(published).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(published).toEqual([
      ['bob', 'read', id(1)],
      ['bob', 'read', id(5)],
    ]);
    jest.advanceTimersByTime(5000);
    expect(published).toHaveLength(2);
  });

  it('publishes a delivered receipt an interval after it was asked for, the highest asked for by then', () => {
    const { r, published } = receipts();
    r.connected(false);
    r.add('bob', 'delivered', id(1));
    jest.advanceTimersByTime(300);
    r.add('bob', 'delivered', id(2));
    jest.advanceTimersByTime(199);
    expect(published).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(published).toEqual([['bob', 'delivered', id(2)]]);
    // The next one waits an interval from the last one out, or from when it was asked for, whichever is later.
    jest.advanceTimersByTime(2000);
    r.add('bob', 'delivered', id(3));
    jest.advanceTimersByTime(499);
    expect(published).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(published.at(-1)).toEqual(['bob', 'delivered', id(3)]);
  });

  it('sends a read receipt instead of a delivered one when the message is read within the interval', () => {
    const { r, published } = receipts();
    r.connected(false);
    r.add('bob', 'delivered', id(1));
    jest.advanceTimersByTime(200);
    r.add('bob', 'read', id(1));
    jest.advanceTimersByTime(2000);
    expect(published).toEqual([['bob', 'read', id(1)]]);
  });

  it('keeps 100 messages in one second to at most 3 receipts, the last one the highest', () => {
    const { r, published } = receipts();
    r.connected(false);
    for (let n = 1; n <= 100; n++) {
      r.add('bob', 'delivered', id(n));
      jest.advanceTimersByTime(10);
    }
    jest.advanceTimersByTime(1000);
    expect(published.length).toBeLessThanOrEqual(3);
    expect(published.at(-1)).toEqual(['bob', 'delivered', id(100)]);
  });

  it('paces each conversation and each kind on its own', () => {
    const { r, published } = receipts();
    r.connected(false);
    r.add('bob', 'delivered', id(1));
    r.add('carol', 'delivered', id(2));
    r.add('group-01j0team', 'delivered', id(3));
    r.add('bob', 'read', id(0));
    expect(published).toEqual([['bob', 'read', id(0)]]);
    jest.advanceTimersByTime(500);
    expect(published).toHaveLength(4);
  });

  it('never publishes one at or below what it published', () => {
    const { r, published } = receipts();
    r.connected(false);
    r.add('bob', 'read', id(5));
    jest.advanceTimersByTime(1000);
    r.add('bob', 'read', id(4));
    r.add('bob', 'read', id(5));
    jest.advanceTimersByTime(1000);
    expect(published).toEqual([['bob', 'read', id(5)]]);
  });

  it('takes a read receipt as covering delivered up to it', () => {
    const { r, published } = receipts();
    r.connected(false);
    r.add('bob', 'read', id(5));
    r.add('bob', 'delivered', id(5));
    r.add('bob', 'delivered', id(3));
    expect(published).toEqual([['bob', 'read', id(5)]]);
    r.add('bob', 'delivered', id(6));
    jest.advanceTimersByTime(500);
    expect(published.at(-1)).toEqual(['bob', 'delivered', id(6)]);
  });

  it('drops a waiting delivered receipt once a read receipt at or above it goes out', () => {
    const { r, published } = receipts();
    r.connected(false);
    r.add('bob', 'delivered', id(1));
    jest.advanceTimersByTime(500);
    r.add('bob', 'delivered', id(4)); // waits for its turn
    r.add('bob', 'read', id(4));
    jest.advanceTimersByTime(1000);
    expect(published).toEqual([
      ['bob', 'delivered', id(1)],
      ['bob', 'read', id(4)],
    ]);
  });

  it("does not publish what the engine announced it holds (another device's receipt), and settles the waiting", async () => {
    const { r, published } = receipts();
    r.connected(false);
    r.add('bob', 'read', id(1));
    const waiting = r.wait('bob', 'read', id(3));
    r.confirmed('bob', { delivered_up_to: id(4), read_up_to: id(4) });
    await expect(waiting).resolves.toBeUndefined();
    r.add('bob', 'delivered', id(2));
    await expect(r.wait('bob', 'read', id(4))).resolves.toBeUndefined();
    jest.advanceTimersByTime(1000);
    expect(published).toEqual([['bob', 'read', id(1)]]);
  });

  it('resolves wait() once its receipt (or a higher one) is published', async () => {
    const { r, published } = receipts();
    r.connected(false);
    await r.wait('bob', 'read', id(1));
    let done = false;
    const second = r.wait('bob', 'read', id(2)).then(() => (done = true));
    const third = r.wait('bob', 'read', id(3));
    await Promise.resolve();
    expect(done).toBe(false);
    jest.advanceTimersByTime(500);
    await Promise.all([second, third]);
    expect(published).toEqual([
      ['bob', 'read', id(1)],
      ['bob', 'read', id(3)],
    ]);
  });

  it('holds receipts while offline; once connected they go out, each conversation once', () => {
    const { r, published } = receipts();
    r.add('bob', 'delivered', id(1));
    r.add('bob', 'delivered', id(2));
    r.add('carol', 'read', id(3));
    jest.advanceTimersByTime(5000);
    expect(published).toEqual([]);
    expect(r.size).toBe(2);
    r.connected(false);
    expect(published).toEqual([
      ['bob', 'delivered', id(2)],
      ['carol', 'read', id(3)],
    ]);
    expect(r.size).toBe(0);
  });

  it('after a reconnect, publishes what waited and again the last one no notice confirmed', () => {
    const { r, published } = receipts();
    r.connected(false);
    r.add('bob', 'delivered', id(1)); // out, never confirmed: perhaps lost with the connection
    r.add('carol', 'delivered', id(2)); // out and confirmed
    jest.advanceTimersByTime(500);
    r.confirmed('carol', { delivered_up_to: id(2) });
    r.disconnected();
    jest.advanceTimersByTime(1000);
    r.add('dan', 'read', id(3)); // made while offline
    r.connected(true);
    expect(published.slice(2)).toEqual([
      ['bob', 'delivered', id(1)],
      ['dan', 'read', id(3)],
    ]);
  });

  it('forgets a published position the engine refused for its message id, so a lower valid one goes out', () => {
    const { r, published } = receipts();
    r.connected(false);
    r.add('bob', 'read', id(9));
    r.refused('bob', 'read', id(9), false);
    r.add('bob', 'read', id(4));
    jest.advanceTimersByTime(500);
    expect(published.at(-1)).toEqual(['bob', 'read', id(4)]);
    // A refusal of another id (another device's) changes nothing here.
    r.refused('bob', 'read', id(2), false);
    r.add('bob', 'read', id(3));
    jest.advanceTimersByTime(500);
    expect(published).toHaveLength(2);
  });

  it('sends the last one again, an interval later, when refused for the rate', () => {
    const { r, published } = receipts();
    r.connected(false);
    r.add('bob', 'delivered', id(2));
    jest.advanceTimersByTime(1000);
    r.refused('bob', 'delivered', undefined, true);
    expect(published).toHaveLength(1);
    jest.advanceTimersByTime(500);
    expect(published).toEqual([
      ['bob', 'delivered', id(2)],
      ['bob', 'delivered', id(2)],
    ]);
    // A refusal for a conversation with nothing published does nothing.
    r.refused('carol', 'delivered', undefined, true);
    jest.advanceTimersByTime(1000);
    expect(published).toHaveLength(2);
  });

  it('on close, publishes nothing more and fails the waiting with CLOSED', async () => {
    const { r, published } = receipts();
    r.connected(false);
    r.add('bob', 'read', id(1));
    const waiting = r.wait('bob', 'read', id(2));
    r.close('the client was closed');
    await expect(waiting).rejects.toMatchObject({ code: ClientErrorCode.CLOSED, peer: 'bob', messageId: id(2), local: true });
    jest.advanceTimersByTime(1000);
    expect(published).toHaveLength(1);
  });
});
