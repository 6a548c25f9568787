import { ErrorCode, GroupResultCode } from '@app/protocol';
import { groupState } from '../../../test/support/group-state';
import { ClientErrorCode, GroupCommandError } from './errors';
import { CheckedGroupResult } from './inbox-router';
import { PendingCommands } from './pending-commands';

const G = 'group-1';
const out = { topic: 't', body: 'b' };
const group = (name: string) => groupState({ group_id: G, name });
const ok = (action: 'update' | 'leave', name = 'x'): CheckedGroupResult => ({ action, group_id: G, ok: true, group: group(name), timestamp: 1 });
const refused = (action: 'update' | 'leave', code: GroupResultCode = ErrorCode.FORBIDDEN): CheckedGroupResult => ({ action, group_id: G, ok: false, code, reason: 'no', timestamp: 1 });

describe('PendingCommands', () => {
  afterEach(() => jest.useRealTimers());

  it("settles a group's commands in the order they went out", async () => {
    const pending = new PendingCommands();
    const first = pending.wait(G, 'update', out, true, 1000);
    const second = pending.wait(G, 'update', out, true, 1000);
    expect(pending.size).toBe(2);
    expect(pending.answer(ok('update', 'one'))).toBe(true);
    expect(pending.answer(refused('update'))).toBe(true);
    await expect(first).resolves.toMatchObject({ group: { name: 'one' } });
    await expect(second).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN, reason: 'no', groupId: G, action: 'update', local: false });
    expect(pending.size).toBe(0);
    expect(pending.answer(ok('update'))).toBe(false);
  });

  it('keeps groups apart, and lets a result of another action settle nothing', async () => {
    const pending = new PendingCommands();
    const leaving = pending.wait(G, 'leave', out, true, 1000);
    expect(pending.answer({ ...ok('leave'), group_id: 'group-2' })).toBe(false);
    expect(pending.answer(ok('update'))).toBe(false);
    expect(pending.size).toBe(1);
    expect(pending.answer(ok('leave'))).toBe(true);
    await expect(leaving).resolves.toMatchObject({ action: 'leave' });
  });

  it('lets a result without an action (an unreadable command) settle the oldest', async () => {
    const pending = new PendingCommands();
    const cmd = pending.wait(G, 'update', out, true, 1000);
    const { action: _dropped, ...unreadable } = refused('update', ErrorCode.VALIDATION_FAILED);
    expect(pending.answer(unreadable as CheckedGroupResult)).toBe(true);
    await expect(cmd).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
  });

  it('times out, but keeps the place of a command that went out until its late answer, so it settles no later one', async () => {
    jest.useFakeTimers();
    const pending = new PendingCommands();
    const slow = pending.wait(G, 'update', out, true, 100);
    jest.advanceTimersByTime(100);
    await expect(slow).rejects.toMatchObject({ code: ClientErrorCode.TIMEOUT, local: true });
    const next = pending.wait(G, 'update', out, true, 1000);
    expect(pending.size).toBe(1);
    expect(pending.answer(ok('update', 'late'))).toBe(true);
    expect(pending.answer(ok('update', 'mine'))).toBe(true);
    await expect(next).resolves.toMatchObject({ group: { name: 'mine' } });
  });

  it('forgets a command that timed out before it went out', async () => {
    jest.useFakeTimers();
    const pending = new PendingCommands();
    const waiting = pending.wait(G, 'update', out, false, 100);
    jest.advanceTimersByTime(100);
    await expect(waiting).rejects.toBeInstanceOf(GroupCommandError);
    expect(pending.takeUnpublished()).toEqual([]);
  });

  it('fails the commands that were out when the connection drops, and keeps those that were not', async () => {
    const pending = new PendingCommands();
    const out1 = pending.wait(G, 'update', { topic: 't', body: 'out' }, true, 1000);
    const later = pending.wait(G, 'leave', { topic: 't', body: 'later' }, false, 1000);
    pending.connectionLost('gone');
    await expect(out1).rejects.toMatchObject({ code: ClientErrorCode.DISCONNECTED, reason: 'gone' });
    expect(pending.takeUnpublished()).toEqual([{ topic: 't', body: 'later' }]);
    expect(pending.takeUnpublished()).toEqual([]);
    expect(pending.answer(ok('leave'))).toBe(true);
    await expect(later).resolves.toMatchObject({ action: 'leave' });
  });

  it('fails everything on rejectAll', async () => {
    const pending = new PendingCommands();
    const a = pending.wait(G, 'update', out, true, 1000);
    const b = pending.wait('group-2', 'leave', out, false, 1000);
    pending.rejectAll(ClientErrorCode.CLOSED, 'closed');
    await expect(a).rejects.toMatchObject({ code: ClientErrorCode.CLOSED });
    await expect(b).rejects.toMatchObject({ code: ClientErrorCode.CLOSED, groupId: 'group-2' });
    expect(pending.size).toBe(0);
  });
});
