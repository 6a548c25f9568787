import { RejectionCode } from '@app/protocol';
import { ClientErrorCode, SendError } from './errors';
import { PendingSends } from './pending-sends';

describe('PendingSends', () => {
  afterEach(() => jest.useRealTimers());

  it('resolves every send waiting on an id with the message_id', async () => {
    const pending = new PendingSends();
    const first = pending.wait('c1', 1000);
    const retry = pending.wait('c1', 1000);
    expect(pending.confirm('c1', 'M1')).toBe(true);
    await expect(Promise.all([first, retry])).resolves.toEqual(['M1', 'M1']);
    expect(pending.size).toBe(0);
    expect(pending.confirm('c1', 'M1')).toBe(false);
  });

  it('rejects with the code and says whether the engine or the client refused', async () => {
    const pending = new PendingSends();
    const send = pending.wait('c1', 1000);
    pending.reject('c1', RejectionCode.BLOCKED, 'blocked', false);
    await expect(send).rejects.toMatchObject({ code: RejectionCode.BLOCKED, reason: 'blocked', clientMessageId: 'c1', local: false });
  });

  it('times out with TIMEOUT and forgets the send', async () => {
    jest.useFakeTimers();
    const pending = new PendingSends();
    const send = pending.wait('c1', 500);
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
    const short = pending.wait('c1', 100);
    const long = pending.wait('c1', 1000);
    jest.advanceTimersByTime(100);
    await expect(short).rejects.toMatchObject({ code: ClientErrorCode.TIMEOUT });
    pending.confirm('c1', 'M9');
    await expect(long).resolves.toBe('M9');
  });
});
