import { ErrorCode, RejectionCode } from './codes';
import { isGroupId, isValidGroupId, newGroupId } from './group-id';
import { GROUP_LIMITS, GROUP_WIRE_MEMBER_LIMIT, GroupState, groupNotice, parseGroupCommand } from './groups';
import { isValidUserId } from './user-id';

const parse = (o: unknown, maxMembers = 3) => parseGroupCommand(JSON.stringify(o), 16 * 1024, maxMembers);

describe('group ids', () => {
  it('start with "group-" and can never be user ids', () => {
    expect(isValidGroupId('group-1')).toBe(true);
    expect(isValidGroupId(`group-${'a'.repeat(58)}`)).toBe(true);
    expect(isValidGroupId(`group-${'a'.repeat(59)}`)).toBe(false);
    expect(isValidGroupId('group-')).toBe(false);
    expect(isValidGroupId('group-a.b')).toBe(false);
    expect(isValidGroupId('alice')).toBe(false);
    expect(isValidUserId('group-1')).toBe(false);
    expect(isValidUserId('groups')).toBe(true);
    expect(isGroupId('group-x')).toBe(true);
  });

  it('are made new, valid and distinct', () => {
    const a = newGroupId();
    expect(isValidGroupId(a)).toBe(true);
    expect(newGroupId()).not.toBe(a);
  });
});

describe('parseGroupCommand', () => {
  it('reads every action, dropping unknown fields', () => {
    expect(parse({ action: 'create', name: 'Team', members: ['bob', 'carol'], extra: 1 })).toEqual({
      ok: true,
      value: { action: 'create', name: 'Team', members: ['bob', 'carol'] },
    });
    expect(parse({ action: 'update', attributes: { topic: 'x' } })).toEqual({ ok: true, value: { action: 'update', attributes: { topic: 'x' } } });
    expect(parse({ action: 'add_members', members: ['dave'] })).toEqual({ ok: true, value: { action: 'add_members', members: ['dave'] } });
    expect(parse({ action: 'remove_member', member_id: 'bob' })).toEqual({ ok: true, value: { action: 'remove_member', member_id: 'bob' } });
    expect(parse({ action: 'set_role', member_id: 'bob', role: 'admin' })).toEqual({ ok: true, value: { action: 'set_role', member_id: 'bob', role: 'admin' } });
    expect(parse({ action: 'transfer_ownership', member_id: 'bob' }).ok).toBe(true);
    expect(parse({ action: 'leave' })).toEqual({ ok: true, value: { action: 'leave' } });
    expect(parse({ action: 'delete' })).toEqual({ ok: true, value: { action: 'delete' } });
  });

  it.each([
    [{ action: 'explode' }, RejectionCode.INVALID_PAYLOAD],
    [{ action: 'create' }, ErrorCode.VALIDATION_FAILED],
    [{ action: 'create', name: '   ' }, ErrorCode.VALIDATION_FAILED],
    [{ action: 'create', name: 'x'.repeat(GROUP_LIMITS.name + 1) }, ErrorCode.VALIDATION_FAILED],
    [{ action: 'create', name: 'a\u0000b' }, ErrorCode.VALIDATION_FAILED],
    [{ action: 'create', name: 'T', attributes: [] }, ErrorCode.VALIDATION_FAILED],
    [{ action: 'create', name: 'T', attributes: { big: 'x'.repeat(GROUP_LIMITS.attributesBytes) } }, ErrorCode.VALIDATION_FAILED],
    [{ action: 'create', name: 'T', members: ['a', 'b', 'c', 'd'] }, ErrorCode.VALIDATION_FAILED],
    [{ action: 'create', name: 'T', members: ['a', 'a'] }, ErrorCode.VALIDATION_FAILED],
    [{ action: 'create', name: 'T', members: ['group-1'] }, ErrorCode.VALIDATION_FAILED],
    [{ action: 'add_members', members: [] }, ErrorCode.VALIDATION_FAILED],
    [{ action: 'add_members', members: 'bob' }, ErrorCode.VALIDATION_FAILED],
    [{ action: 'remove_member', member_id: 'a.b' }, ErrorCode.VALIDATION_FAILED],
    [{ action: 'set_role', member_id: 'bob', role: 'owner' }, ErrorCode.VALIDATION_FAILED],
    [{ action: 'update' }, ErrorCode.VALIDATION_FAILED],
  ])('refuses %j with %s', (command, code) => {
    const result = parse(command);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.code).toBe(code);
  });

  it('refuses what is not a JSON object, or too large, as a message would be', () => {
    expect(parseGroupCommand('nope', 1024, 3)).toMatchObject({ ok: false, code: RejectionCode.INVALID_PAYLOAD });
    expect(parseGroupCommand('[]', 1024, 3)).toMatchObject({ ok: false, code: RejectionCode.INVALID_PAYLOAD });
    expect(parseGroupCommand(JSON.stringify({ action: 'leave', pad: 'x'.repeat(2000) }), 1024, 3)).toMatchObject({ ok: false, code: RejectionCode.PAYLOAD_TOO_LARGE });
  });
});

describe('groupNotice', () => {
  const group = (n: number): GroupState => ({
    group_id: 'group-1',
    name: 'G',
    owner: 'm0',
    members: Array.from({ length: n }, (_, i) => ({ user_id: `m${i}`, role: i === 0 ? 'owner' : 'member', joined_at: i })),
    created_at: 1,
    updated_at: 2,
  });

  it('lists the members of a group up to the limit, and only counts those of a larger one', () => {
    expect(groupNotice(group(GROUP_WIRE_MEMBER_LIMIT))).toMatchObject({ member_count: GROUP_WIRE_MEMBER_LIMIT, members: expect.any(Array) });
    const big = groupNotice(group(1000));
    expect(big.member_count).toBe(1000);
    expect(big.members).toBeUndefined();
    expect(Buffer.byteLength(JSON.stringify(big))).toBeLessThan(1024);
  });
});
