import { RejectionCode } from '@app/protocol';
import { ClientErrorCode, SendError } from './errors';
import { PendingSends } from './pending-sends';

const out = { topic: 't', body: 'b' };

describe('PendingSends', () => {
  afterEach(() => jest.useRealTimers());

  it('resolves every send waiting on an id with the message_id', async () => {
    const pending = new PendingSends();
    const first = pending.wait('c1', 1000, out);
    const retry = pending.wait('c1', 1000, out);
    expect(pending.confirm('c1', 'M1')).toBe(true);
    await expect(Promise.all([first, retry])).resolves.toEqual(['M1', 'M1']);
    expect(pending.size).toBe(0);
    expect(pending.confirm('c1', 'M1')).toBe(false);
  });

  it('rejects with the code and says whether the engine or the client refused', async () => {
    const pending = new PendingSends();
    const send = pending.wait('c1', 1000, out);
    pending.reject('c1', RejectionCode.BLOCKED, 'blocked', false);
    await expect(send).rejects.toMatchObject({ code: RejectionCode.BLOCKED, reason: 'blocked', clientMessageId: 'c1', local: false });
  });

  it('times out with TIMEOUT and forgets the send', async () => {
    jest.useFakeTimers();
    const pending = new PendingSends();
    const send = pending.wait('c1', 500, out);
    jest.advanceTimersByTime(499);
    expect(pending.size).toBe(1);
    jest.advanceTimersByTime(1);
    await expect(send).rejects.toBeInstanceOf(SendError);
    await expect(send).rejects.toMatchObject({ code: ClientErrorCode.TIMEOUT });
    expect(pending.size).toBe(0);
  });

  it('a timed-out retry leaves the other send on the same id waiting', async () => {
    jest.useFakeTimers();
    const pending = new PendingSends();
    const short = pending.wait('c1', 100, out);
    const long = pending.wait('c1', 1000, out);
    jest.advanceTimersByTime(100);
    await expect(short).rejects.toMatchObject({ code: ClientErrorCode.TIMEOUT });
    pending.confirm('c1', 'M9');
    await expect(long).resolves.toBe('M9');
  });

  it('lists one publish per waiting id, oldest first, and forgets settled ones', async () => {
    const pending = new PendingSends();
    const sends = [
      pending.wait('c1', 1000, { topic: 't', body: 'one' }),
      pending.wait('c1', 1000, { topic: 't', body: 'one' }),
      pending.wait('c2', 1000, { topic: 't', body: 'two' }),
      pending.wait('c3', 1000, { topic: 't', body: 'three' }),
    ].map((p) => p.catch(() => 'closed'));
    pending.confirm('c2', 'M2');
    expect(pending.publishes().map((p) => p.body)).toEqual(['one', 'three']);
    pending.rejectAll(ClientErrorCode.CLOSED, 'done');
    await expect(Promise.all(sends)).resolves.toEqual(['closed', 'closed', 'M2', 'closed']);
  });
});
