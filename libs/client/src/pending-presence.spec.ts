import { ErrorCode, RejectionCode } from '@app/protocol';
import { ClientErrorCode, PresenceCommandError } from './errors';
import { CheckedPresenceResult } from './inbox-router';
import { PendingPresence, PresenceCommandKind } from './pending-presence';

const STATUS = 'p/alice/presence/command';
const WATCH = 'p/alice/presence/watch';
const topicOf = (kind: PresenceCommandKind) => (kind === 'status' ? STATUS : WATCH);
/** The publish of command `id`, and its resend (no command_id), told apart by body. */
const pub = (kind: PresenceCommandKind, id: string) => ({ topic: topicOf(kind), body: `${id}+id` });
const resend = (kind: PresenceCommandKind, id: string) => ({ topic: topicOf(kind), body: id });
const ok = (command: PresenceCommandKind, commandId?: string): CheckedPresenceResult =>
  command === 'status' ? { command, command_id: commandId, ok: true, status: 'away', timestamp: 1 } : { command, command_id: commandId, ok: true, watched: 1, timestamp: 1 };
const refused = (command: PresenceCommandKind, commandId?: string): CheckedPresenceResult => ({
  command,
  command_id: commandId,
  ok: false,
  code: ErrorCode.VALIDATION_FAILED,
  reason: 'bad',
  timestamp: 1,
});

function waitFor(pending: PendingPresence, kind: PresenceCommandKind, id: string, published = true, timeoutMs = 1000): Promise<unknown> {
  return pending.wait(kind, id, pub(kind, id), resend(kind, id), published, timeoutMs);
}

describe('PendingPresence', () => {
  afterEach(() => jest.useRealTimers());

  it('settles each command by the command_id its result echoes, whatever the order', async () => {
    const pending = new PendingPresence();
    const first = waitFor(pending, 'status', 's1');
    const second = waitFor(pending, 'watch', 'w1');
    expect(pending.size).toBe(2);
    expect(pending.answer(ok('watch', 'w1'))).toBe(true);
    expect(pending.answer(refused('status', 's1'))).toBe(true);
    await expect(second).resolves.toMatchObject({ command: 'watch', watched: 1 });
    await expect(first).rejects.toBeInstanceOf(PresenceCommandError);
    await expect(first).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED, reason: 'bad', command: 'status', local: false });
    expect(pending.size).toBe(0);
  });

  it("settles nothing with a result without command_id, another device's, or one naming the other command", async () => {
    const pending = new PendingPresence();
    const waiting = waitFor(pending, 'status', 's1');
    expect(pending.answer(ok('status'))).toBe(false);
    expect(pending.answer(ok('status', 'other-device-1'))).toBe(false);
    expect(pending.answer(ok('watch', 's1'))).toBe(false);
    expect(pending.size).toBe(1);
    expect(pending.answer(ok('status', 's1'))).toBe(true);
    await expect(waiting).resolves.toMatchObject({ ok: true });
    expect(pending.answer(ok('status', 's1'))).toBe(false);
  });

  it('times out with TIMEOUT, and still takes the late answer as accepted', async () => {
    jest.useFakeTimers();
    const pending = new PendingPresence();
    const waiting = waitFor(pending, 'watch', 'w1', true, 50);
    jest.advanceTimersByTime(50);
    await expect(waiting).rejects.toMatchObject({ code: ClientErrorCode.TIMEOUT, command: 'watch', local: true });
    expect(pending.size).toBe(0);
    expect(pending.answer(ok('watch', 'w1'))).toBe(true);
    expect(pending.takeUnpublished(true)).toEqual([resend('watch', 'w1')]);
  });

  it('forgets a command that times out before it went out', async () => {
    jest.useFakeTimers();
    const pending = new PendingPresence();
    const waiting = waitFor(pending, 'status', 's1', false, 50);
    jest.advanceTimersByTime(50);
    await expect(waiting).rejects.toMatchObject({ code: ClientErrorCode.TIMEOUT });
    expect(pending.takeUnpublished(false)).toEqual([]);
  });

  describe('after a reconnect', () => {
    it('sends again the last accepted status and watch list, without command_id', async () => {
      const pending = new PendingPresence();
      const a = waitFor(pending, 'status', 's1');
      const b = waitFor(pending, 'status', 's2');
      const c = waitFor(pending, 'watch', 'w1');
      pending.answer(ok('status', 's1'));
      pending.answer(ok('status', 's2'));
      pending.answer(ok('watch', 'w1'));
      await Promise.all([a, b, c]);
      expect(pending.takeUnpublished(false)).toEqual([]);
      pending.connectionLost();
      expect(pending.takeUnpublished(true)).toEqual([resend('status', 's2'), resend('watch', 'w1')]);
    });

    it('keeps the newest accepted command when an older answer comes late', async () => {
      jest.useFakeTimers();
      const pending = new PendingPresence();
      const older = waitFor(pending, 'status', 's1', true, 50);
      const newer = waitFor(pending, 'status', 's2', true, 1000);
      jest.advanceTimersByTime(50);
      await expect(older).rejects.toMatchObject({ code: ClientErrorCode.TIMEOUT });
      pending.answer(ok('status', 's2'));
      await newer;
      pending.answer(ok('status', 's1'));
      expect(pending.takeUnpublished(true)).toEqual([resend('status', 's2')]);
    });

    it('does not send again a refused command: the one accepted before it stays', async () => {
      const pending = new PendingPresence();
      const accepted = waitFor(pending, 'watch', 'w1');
      pending.answer(ok('watch', 'w1'));
      await accepted;
      const refusing = waitFor(pending, 'watch', 'w2');
      pending.answer(refused('watch', 'w2'));
      await expect(refusing).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
      pending.connectionLost();
      expect(pending.takeUnpublished(true)).toEqual([resend('watch', 'w1')]);
    });

    it('sends again, with its command_id, a command that was out, in place of the last accepted of its kind', async () => {
      const pending = new PendingPresence();
      const accepted = waitFor(pending, 'status', 's1');
      pending.answer(ok('status', 's1'));
      await accepted;
      const watchAccepted = waitFor(pending, 'watch', 'w1');
      pending.answer(ok('watch', 'w1'));
      await watchAccepted;
      const out = waitFor(pending, 'status', 's2');
      pending.connectionLost();
      expect(pending.answer(ok('status', 's2'))).toBe(false); // an answer from before the drop cannot come now
      const whileAway = waitFor(pending, 'status', 's3', false);
      expect(pending.takeUnpublished(true)).toEqual([resend('watch', 'w1'), pub('status', 's2'), pub('status', 's3')]);
      expect(pending.answer(ok('status', 's2'))).toBe(true);
      expect(pending.answer({ ...ok('status', 's3'), status: 'busy' })).toBe(true);
      await expect(out).resolves.toMatchObject({ ok: true });
      await expect(whileAway).resolves.toMatchObject({ status: 'busy' });
      pending.connectionLost();
      expect(pending.takeUnpublished(true)).toEqual([resend('status', 's3'), resend('watch', 'w1')]);
    });

    it('gives up a command that had timed out when the connection dropped', async () => {
      jest.useFakeTimers();
      const pending = new PendingPresence();
      const waiting = waitFor(pending, 'watch', 'w1', true, 50);
      jest.advanceTimersByTime(50);
      await expect(waiting).rejects.toMatchObject({ code: ClientErrorCode.TIMEOUT });
      pending.connectionLost();
      expect(pending.takeUnpublished(true)).toEqual([]);
      expect(pending.answer(ok('watch', 'w1'))).toBe(false);
    });
  });

  it('fails every waiting command with the given code', async () => {
    const pending = new PendingPresence();
    const a = waitFor(pending, 'status', 's1');
    const b = waitFor(pending, 'watch', 'w1', false);
    pending.rejectAll(ClientErrorCode.CLOSED, 'the client was closed');
    await expect(a).rejects.toMatchObject({ code: ClientErrorCode.CLOSED, command: 'status', local: true });
    await expect(b).rejects.toMatchObject({ code: ClientErrorCode.CLOSED, command: 'watch' });
    expect(pending.size).toBe(0);
    expect(pending.answer({ ...refused('status', 's1'), code: RejectionCode.RATE_LIMITED })).toBe(false);
  });
});
