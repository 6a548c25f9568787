import { MqttClient } from 'mqtt';
import { ErrorCode, GroupEvent, GroupState, MessageStatus, RejectionCode } from '@app/protocol';
import { AdminApi, adminApi, registeredUser, TestUser } from './support/admin-api';
import { deadLetters, layout } from './support/broker';
import { closeTestDb, eventually, testDb } from './support/database';
import { EngineProcess, startEngine } from './support/engine';

type Received = { topic: string; payload: Record<string, any> };

const clients: MqttClient[] = [];

const sendTo = (from: TestUser, groupId: string, text: string) =>
  from.client.publishAsync(layout.outgoing(from.id, groupId), JSON.stringify({ text, client_message_id: text }), { qos: 1 });
const command = (from: TestUser, groupId: string, body: object | string) =>
  from.client.publishAsync(layout.groupCommand(from.id, groupId), typeof body === 'string' ? body : JSON.stringify(body), { qos: 1 });
const groupMessage = (groupId: string, text: string) => (m: Received) =>
  m.topic.endsWith(`/${groupId}/messages/clientadded`) && m.payload.text === text;
const systemEvent = (groupId: string, event: GroupEvent) => (m: Received) =>
  m.topic.endsWith(`/${groupId}/messages/clientadded`) && m.payload.type === 'system' && m.payload.attributes?.event === event;
const updated = (groupId: string) => (m: Received) => m.topic.endsWith(`/groups/${groupId}/clientupdated`);
const deleted = (groupId: string) => (m: Received) => m.topic.endsWith(`/groups/${groupId}/clientdeleted`);
const resultOf = (groupId: string) => (m: Received) => m.topic.endsWith(`/groups/${groupId}/result`);
const about = (groupId: string) => (m: Received) => m.topic.includes(`/${groupId}/`) && !m.topic.endsWith('/outgoing') && !m.topic.endsWith('/command');
const memberIds = (g: GroupState) => g.members.map((m) => m.user_id).sort();
const settle = () => new Promise((r) => setTimeout(r, 1500));

/** Waits for the nth result of the user's commands to the group. */
async function result(user: TestUser, groupId: string, nth: number): Promise<Record<string, any>> {
  const results = await user.inbox.waitFor(nth, resultOf(groupId));
  return results[nth - 1].payload;
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync()));
  await closeTestDb();
});

describe('groups', () => {
  let engine: EngineProcess;
  let api: AdminApi;

  beforeAll(async () => {
    engine = await startEngine('groups', { REQUIRE_REGISTERED_RECIPIENTS: 'true', GROUP_MAX_MEMBERS: '5' });
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    await engine?.stop();
  });

  it('delivers a member\'s message once to each member with one message_id, stores it once, and refuses a non-member and an unknown group', async () => {
    const [a, b, c, outsider] = await Promise.all(['ga', 'gb', 'gc', 'gout'].map((n) => registeredUser(api, n, clients)));
    const created = await api.post('groups', { name: 'Team', owner: a.id, members: [b.id, c.id] });
    expect(created.status).toBe(201);
    const group = created.body as GroupState;
    expect(group.group_id).toMatch(/^group-/);
    expect(memberIds(group)).toEqual([a.id, b.id, c.id].sort());

    await sendTo(a, group.group_id, 'hello team');
    const copies = await Promise.all([a, b, c].map((u) => u.inbox.waitFor(1, groupMessage(group.group_id, 'hello team'))));
    const ids = new Set(copies.map(([m]) => m.payload.message_id));
    expect(ids.size).toBe(1);
    const members = [a, b, c];
    for (const [i, [m]] of copies.entries()) {
      const u = members[i];
      expect(m.topic).toBe(layout.clientAdded(u.id, group.group_id));
      expect(m.payload).toMatchObject({ sender: a.id, recipient: group.group_id, channel_type: 'group', status: u === a ? MessageStatus.SENT : MessageStatus.DELIVERED });
    }

    await sendTo(outsider, group.group_id, 'let me in');
    const [refused] = await outsider.inbox.waitFor(1, (m) => m.topic.endsWith('/clientrejected'));
    expect(refused.topic).toBe(layout.clientRejected(outsider.id, group.group_id));
    expect(refused.payload).toMatchObject({ code: RejectionCode.NOT_A_MEMBER, client_message_id: 'let me in' });
    await sendTo(a, 'group-nosuch', 'anyone?');
    const [missing] = await a.inbox.waitFor(1, (m) => m.topic.endsWith('/clientrejected'));
    expect(missing.payload).toMatchObject({ code: RejectionCode.GROUP_NOT_FOUND });

    await settle();
    for (const u of [a, b, c]) expect(u.inbox.messages.filter(groupMessage(group.group_id, 'hello team'))).toHaveLength(1);
    for (const u of [a, b, c]) expect(u.inbox.messages.filter(groupMessage(group.group_id, 'let me in'))).toHaveLength(0);
    const stored = await (await testDb()).collection('messages').find({ recipient: group.group_id, type: 'text' }).toArray();
    expect(stored.map((m) => m.text)).toEqual(['hello team']);
    expect(stored[0]).toMatchObject({ channel_type: 'group', pair: group.group_id });

    const history = await api.get(`groups/${group.group_id}/messages`);
    expect(history.body.items.map((m: any) => m.text)).toEqual([expect.stringContaining('created'), 'hello team']);
  });

  it('runs members\' commands by the rules: each change a system message and a clientupdated to exactly the right users', async () => {
    const [owner, admin, member, newcomer] = await Promise.all(['go', 'gadm', 'gmem', 'gnew'].map((n) => registeredUser(api, n, clients)));
    const groupId = `group-${owner.id}`;

    // create: the owner, with a first member
    await command(owner, groupId, { action: 'create', name: 'Club', members: [admin.id, member.id] });
    const createdResult = await result(owner, groupId, 1);
    expect(createdResult).toMatchObject({ action: 'create', group_id: groupId, ok: true, group: { owner: owner.id, name: 'Club' } });
    for (const u of [owner, admin, member]) {
      await u.inbox.waitFor(1, systemEvent(groupId, GroupEvent.GROUP_CREATED));
      await u.inbox.waitFor(1, updated(groupId));
    }

    // a plain member may not add anyone: refused with FORBIDDEN, nothing changes
    await command(member, groupId, { action: 'add_members', members: [newcomer.id] });
    expect(await result(member, groupId, 1)).toMatchObject({ action: 'add_members', ok: false, code: ErrorCode.FORBIDDEN });
    expect(memberIds((await api.get(`groups/${groupId}`)).body)).toEqual([owner.id, admin.id, member.id].sort());

    // the owner makes admin an admin; the admin adds the newcomer
    await command(owner, groupId, { action: 'set_role', member_id: admin.id, role: 'admin' });
    expect(await result(owner, groupId, 2)).toMatchObject({ ok: true });
    await command(admin, groupId, { action: 'add_members', members: [newcomer.id] });
    expect(await result(admin, groupId, 1)).toMatchObject({ ok: true, group: { members: expect.arrayContaining([expect.objectContaining({ user_id: newcomer.id, role: 'member' })]) } });
    for (const u of [owner, admin, member, newcomer]) {
      const [joined] = await u.inbox.waitFor(1, systemEvent(groupId, GroupEvent.MEMBER_JOINED));
      expect(joined.payload.attributes).toEqual({ event: 'MEMBER_JOINED', group_id: groupId, by: admin.id, members: [newcomer.id] });
    }

    // rename by the admin
    await command(admin, groupId, { action: 'update', name: 'Club 2' });
    for (const u of [owner, admin, member, newcomer]) {
      const states = await u.inbox.waitFor(1, (m) => updated(groupId)(m) && m.payload.name === 'Club 2');
      expect(states[0].payload.group_id).toBe(groupId);
    }

    // the admin removes the member: the member hears of it once more (system message and state), then nothing
    await command(admin, groupId, { action: 'remove_member', member_id: member.id });
    expect(await result(admin, groupId, 3)).toMatchObject({ ok: true });
    const [removedNotice] = await member.inbox.waitFor(1, systemEvent(groupId, GroupEvent.MEMBER_REMOVED));
    expect(removedNotice.payload.attributes).toMatchObject({ member_id: member.id, by: admin.id });
    const [lastState] = await member.inbox.waitFor(1, (m) => updated(groupId)(m) && !(m.payload.members as Array<{ user_id: string }>).some((x) => x.user_id === member.id));
    expect(lastState.payload.group_id).toBe(groupId);
    const heardBefore = member.inbox.messages.filter(about(groupId)).length;
    await sendTo(member, groupId, 'still here?');
    const [refusedAfter] = await member.inbox.waitFor(1, (m) => m.topic.endsWith('/clientrejected') && m.payload.client_message_id === 'still here?');
    expect(refusedAfter.payload.code).toBe(RejectionCode.NOT_A_MEMBER);

    // the newcomer leaves; the owner cannot
    await command(newcomer, groupId, { action: 'leave' });
    expect(await result(newcomer, groupId, 1)).toMatchObject({ action: 'leave', ok: true });
    await owner.inbox.waitFor(1, systemEvent(groupId, GroupEvent.MEMBER_LEFT));
    await command(owner, groupId, { action: 'leave' });
    expect(await result(owner, groupId, 3)).toMatchObject({ ok: false, code: ErrorCode.FORBIDDEN });

    // ownership passes to the admin; the old owner is an admin now and may not delete
    await command(owner, groupId, { action: 'transfer_ownership', member_id: admin.id });
    expect(await result(owner, groupId, 4)).toMatchObject({ ok: true, group: { owner: admin.id } });
    await admin.inbox.waitFor(1, systemEvent(groupId, GroupEvent.OWNER_CHANGED));
    await command(owner, groupId, { action: 'delete' });
    expect(await result(owner, groupId, 5)).toMatchObject({ ok: false, code: ErrorCode.FORBIDDEN });

    // the new owner deletes: clientdeleted to the two members left, nobody else
    await command(admin, groupId, { action: 'delete' });
    expect(await result(admin, groupId, 4)).toMatchObject({ action: 'delete', ok: true });
    for (const u of [owner, admin]) await u.inbox.waitFor(1, deleted(groupId));
    await settle();
    for (const u of [member, newcomer]) expect(u.inbox.messages.filter(deleted(groupId))).toHaveLength(0);
    // the removed member heard nothing more of the group after their removal (but their own refusal)
    expect(member.inbox.messages.filter(about(groupId)).slice(heardBefore).map((m) => [m.topic, m.payload.text ?? m.payload.code])).toEqual([[layout.clientRejected(member.id, groupId), RejectionCode.NOT_A_MEMBER]]);
    expect((await api.get(`groups/${groupId}`)).status).toBe(404);
  });

  it('answers the admin API with each refusal\'s code, and keeps the limits', async () => {
    const [a, b] = await Promise.all(['gla', 'glb'].map((n) => registeredUser(api, n, clients)));
    const bad = [
      await api.post('groups', { name: '', owner: a.id }),
      await api.post('groups', { name: 'x'.repeat(257), owner: a.id }),
      await api.post('groups', { name: 'T', owner: 'group-x' }),
      await api.post('groups', { name: 'T', owner: a.id, attributes: { big: 'x'.repeat(9000) } }),
      await api.post('groups', { name: 'T', owner: a.id, group_id: 'team' }),
      await api.post('groups', { name: 'T', owner: a.id, members: ['a.b'] }),
      await api.get('groups/not-a-group'),
    ];
    for (const reply of bad) expect(reply).toMatchObject({ status: 400, body: { code: ErrorCode.VALIDATION_FAILED } });
    expect(await api.post('groups', { name: 'T', owner: a.id, members: ['g1', 'g2', 'g3', 'g4', 'g5'].map((n) => `${a.id}${n}`) })).toMatchObject({
      status: 409,
      body: { code: ErrorCode.GROUP_FULL },
    });
    expect(await api.post('groups', { name: 'T', owner: a.id, members: ['nobody-registered'] })).toMatchObject({ status: 404, body: { code: ErrorCode.USER_NOT_FOUND } });
    expect(await api.get('groups/group-nosuch')).toMatchObject({ status: 404, body: { code: ErrorCode.GROUP_NOT_FOUND } });

    const group = (await api.post('groups', { name: 'T', owner: a.id, group_id: `group-${a.id}`, attributes: { $gt: 1, 'a.b': [1] } })).body as GroupState;
    expect(group.attributes).toEqual({ $gt: 1, 'a.b': [1] });
    expect(await api.post('groups', { name: 'T', owner: a.id, group_id: group.group_id })).toMatchObject({ status: 409, body: { code: ErrorCode.CONFLICT } });
    expect(await api.delete(`groups/${group.group_id}/members/${a.id}`)).toMatchObject({ status: 403, body: { code: ErrorCode.FORBIDDEN } });
    expect(await api.delete(`groups/${group.group_id}/members/${b.id}`)).toMatchObject({ status: 409, body: { code: ErrorCode.NOT_A_MEMBER } });
    expect((await api.post(`groups/${group.group_id}/members`, { members: [b.id] })).body.members).toHaveLength(2);
    expect((await api.put(`groups/${group.group_id}/members/${b.id}/role`, { role: 'admin' })).body.members[1]).toMatchObject({ user_id: b.id, role: 'admin' });
    expect((await api.post(`groups/${group.group_id}/owner`, { member_id: b.id })).body).toMatchObject({ owner: b.id });
    expect((await api.patch(`groups/${group.group_id}`, { name: 'Renamed' })).body).toMatchObject({ name: 'Renamed', attributes: { $gt: 1, 'a.b': [1] } });
    expect((await api.put(`groups/${group.group_id}/members`, { members: [] })).body.members.map((m: any) => m.user_id)).toEqual([b.id]);
    expect((await api.get(`groups?member=${b.id}`)).body.items.map((g: GroupState) => g.group_id)).toContain(group.group_id);
    expect((await api.delete(`groups/${group.group_id}`)).status).toBe(204);
  });

  it('refuses malformed commands with a clear answer and dead-letters what cannot be read, and goes on', async () => {
    const u = await registeredUser(api, 'gbad', clients);
    const groupId = `group-${u.id}`;
    await command(u, groupId, 'not json');
    expect(await result(u, groupId, 1)).toMatchObject({ ok: false, code: RejectionCode.INVALID_PAYLOAD });
    await command(u, groupId, { action: 'create', name: 'x', members: Array.from({ length: 6 }, (_, i) => `m${i}`) });
    expect(await result(u, groupId, 2)).toMatchObject({ ok: false, code: ErrorCode.VALIDATION_FAILED });
    await command(u, groupId, { action: 'create', name: { deep: [[[[1]]]] } });
    expect(await result(u, groupId, 3)).toMatchObject({ ok: false, code: ErrorCode.VALIDATION_FAILED });
    await command(u, groupId, { action: 'remove_member', member_id: 'x' });
    expect(await result(u, groupId, 4)).toMatchObject({ ok: false, code: ErrorCode.GROUP_NOT_FOUND });
    const letters = await deadLetters((key) => key.includes(`.${u.id}.groups.${groupId}.command`), 1);
    expect(letters.map((d) => d.headers['x-reject-code'])).toEqual([RejectionCode.INVALID_PAYLOAD]);
    // still serving
    await command(u, groupId, { action: 'create', name: 'fine' });
    expect(await result(u, groupId, 5)).toMatchObject({ ok: true });
  });

  it('shows a new member only what came after they joined (since_join), in history and in their conversation list', async () => {
    const [a, b, late] = await Promise.all(['gha', 'ghb', 'ghl'].map((n) => registeredUser(api, n, clients)));
    const group = (await api.post('groups', { name: 'History', owner: a.id, members: [b.id] })).body as GroupState;
    for (const text of ['old-1', 'old-2']) await sendTo(a, group.group_id, text);
    await b.inbox.waitFor(1, groupMessage(group.group_id, 'old-2'));
    await api.post(`groups/${group.group_id}/members`, { members: [late.id] });
    await sendTo(b, group.group_id, 'new-1');
    await late.inbox.waitFor(1, groupMessage(group.group_id, 'new-1'));
    expect(late.inbox.messages.filter((m) => m.payload.history === true)).toEqual([]); // nothing replayed

    const texts = async (query: string) => ((await api.get(`groups/${group.group_id}/messages${query}`)).body.items as Array<{ text: string; type: string }>).filter((m) => m.type !== 'system').map((m) => m.text);
    expect(await texts('')).toEqual(['old-1', 'old-2', 'new-1']);
    expect(await texts(`?member=${late.id}`)).toEqual(['new-1']);
    expect(await texts(`?member=${b.id}`)).toEqual(['old-1', 'old-2', 'new-1']);
    expect(await api.get(`groups/${group.group_id}/messages?member=${a.id}x`)).toMatchObject({ status: 409, body: { code: ErrorCode.NOT_A_MEMBER } });

    // The conversation list: the group with its last message; unread = others' messages since joining.
    const listed = async (user: TestUser) =>
      ((await api.get(`users/${user.id}/conversations`)).body.items as Array<{ peer: string; unread_count: number; last_message: { text: string } }>).find((c) => c.peer === group.group_id);
    const [forLate, forA] = await Promise.all([
      eventually(async () => {
        const c = await listed(late);
        return c?.last_message.text === 'new-1' && c;
      }),
      eventually(async () => (await listed(a))?.last_message.text === 'new-1' && listed(a)),
    ]);
    expect(forLate.unread_count).toBe(2); // MEMBER_JOINED (by admin) and new-1
    expect(forA!.unread_count).toBe(3); // GROUP_CREATED, MEMBER_JOINED and new-1 (a's own messages do not count)
  });

  it('takes a deleted user out of their groups, passing an owned group to the oldest admin', async () => {
    const [owner, admin, member] = await Promise.all(['gdo', 'gda', 'gdm'].map((n) => registeredUser(api, n, clients)));
    const group = (await api.post('groups', { name: 'Passing', owner: owner.id, members: [member.id, admin.id] })).body as GroupState;
    await api.put(`groups/${group.group_id}/members/${admin.id}/role`, { role: 'admin' });
    expect((await api.delete(`users/${owner.id}`)).status).toBe(204);
    const after = (await api.get(`groups/${group.group_id}`)).body as GroupState;
    expect(after.owner).toBe(admin.id);
    expect(memberIds(after)).toEqual([admin.id, member.id].sort());
    await member.inbox.waitFor(1, systemEvent(group.group_id, GroupEvent.OWNER_CHANGED));
  });
});

describe('groups with GROUP_HISTORY_FOR_NEW_MEMBERS=all', () => {
  let engine: EngineProcess;
  let api: AdminApi;

  beforeAll(async () => {
    engine = await startEngine('groups-history-all', { REQUIRE_REGISTERED_RECIPIENTS: 'true', GROUP_HISTORY_FOR_NEW_MEMBERS: 'all', GROUP_HISTORY_REPLAY: '2' });
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    await engine?.stop();
  });

  it('replays the latest messages to a new member (marked history), then shows them the whole timeline', async () => {
    const [a, late] = await Promise.all(['hra', 'hrl'].map((n) => registeredUser(api, n, clients)));
    const group = (await api.post('groups', { name: 'All', owner: a.id })).body as GroupState;
    for (const text of ['m1', 'm2', 'm3']) await sendTo(a, group.group_id, text);
    await a.inbox.waitFor(1, groupMessage(group.group_id, 'm3'));
    await api.post(`groups/${group.group_id}/members`, { members: [late.id] });
    const replayed = await late.inbox.waitFor(2, (m) => m.payload.history === true);
    expect(replayed.map((m) => m.payload.text)).toEqual(['m2', 'm3']); // the latest 2, oldest first
    expect(replayed.every((m) => m.topic === layout.clientAdded(late.id, group.group_id))).toBe(true);
    const [joined] = await late.inbox.waitFor(1, systemEvent(group.group_id, GroupEvent.MEMBER_JOINED));
    expect(joined.payload.history).toBeUndefined();
    await settle();
    expect(late.inbox.messages.filter((m) => m.payload.history === true)).toHaveLength(2);
    const items = (await api.get(`groups/${group.group_id}/messages?member=${late.id}`)).body.items as Array<{ text: string; type: string }>;
    expect(items.filter((m) => m.type !== 'system').map((m) => m.text)).toEqual(['m1', 'm2', 'm3']);
  });
});
