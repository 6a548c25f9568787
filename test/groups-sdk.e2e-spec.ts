// The client SDK's groups against the real broker and engine: sends, events, and commands matched
// to their results by command_id (docs/groups.md, libs/client/README.md).
import { ChatClient, connect, DeliveredMessage, ErrorCode, GroupEvent, GroupNotice, GroupSystemMessage, MessageStatus, RejectionCode } from '@app/client';
import { newGroupId } from '@app/protocol';
import { adminApi, AdminApi } from './support/admin-api';
import { uid, userToken } from './support/broker';
import { EngineProcess, startEngine } from './support/engine';
import { nextEvent } from './support/next-event';
import { servers } from './support/test-env';

describe('client SDK groups against the real broker and engine', () => {
  let engine: EngineProcess;
  let api: AdminApi;
  const clients: ChatClient[] = [];

  async function user(name: string): Promise<ChatClient> {
    const id = uid(name);
    const created = await api.put(`users/${id}`, { display_name: name });
    if (created.status !== 201) throw new Error(`could not register ${id}: ${created.status}`);
    const client = await connect({ url: servers.mqttUrl, userId: id, token: userToken(id) });
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    engine = await startEngine('groups-sdk', { REQUIRE_REGISTERED_RECIPIENTS: 'true' });
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await engine?.stop();
  });

  it('creates a group, tells the members, and delivers a message to every member', async () => {
    const [alice, bob, carol] = [await user('alice'), await user('bob'), await user('carol')];
    const bobSees = nextEvent<GroupNotice>((l) => bob.on('groupUpdated', l));
    const created = await alice.createGroup('Team', { members: [bob.userId, carol.userId] });
    expect(created).toMatchObject({ name: 'Team', owner: alice.userId });
    expect(created.members!.map((m) => m.user_id).sort()).toEqual([alice.userId, bob.userId, carol.userId].sort());
    expect((await bobSees).group_id).toBe(created.group_id);

    const toBob = nextEvent<DeliveredMessage>((l) => bob.on('message', l), (m) => m.recipient === created.group_id);
    const toCarol = nextEvent<DeliveredMessage>((l) => carol.on('message', l), (m) => m.recipient === created.group_id);
    const messageId = await alice.send(created.group_id, 'hello team');
    for (const copy of [await toBob, await toCarol]) {
      expect(copy).toMatchObject({ message_id: messageId, sender: alice.userId, recipient: created.group_id, channel_type: 'group', status: MessageStatus.DELIVERED });
    }
  });

  it('sends system messages and the new state on a membership change, and answers commands in order', async () => {
    const [alice, bob, dave] = [await user('alice'), await user('bob'), await user('dave')];
    const group = await alice.createGroup('Ops', { members: [bob.userId] });
    const joined = nextEvent<GroupSystemMessage>((l) => bob.on('groupEvent', l), (m) => m.attributes.event === GroupEvent.MEMBER_JOINED);
    const [added, promoted] = await Promise.all([alice.addMembers(group.group_id, [dave.userId]), alice.setMemberRole(group.group_id, dave.userId, 'admin')]);
    expect(added.members!.map((m) => m.user_id)).toContain(dave.userId);
    expect(promoted.members!.find((m) => m.user_id === dave.userId)?.role).toBe('admin');
    expect((await joined).attributes).toMatchObject({ group_id: group.group_id, by: alice.userId, members: [dave.userId] });
  });

  it('refuses a non-member: the send with NOT_A_MEMBER, a command with its code', async () => {
    const [alice, mallory] = [await user('alice'), await user('mallory')];
    const group = await alice.createGroup('Private');
    await expect(mallory.send(group.group_id, 'let me in')).rejects.toMatchObject({ code: RejectionCode.NOT_A_MEMBER, local: false });
    await expect(mallory.deleteGroup(group.group_id)).rejects.toMatchObject({ local: false });
    await expect(alice.send(newGroupId(), 'anyone?')).rejects.toMatchObject({ code: RejectionCode.GROUP_NOT_FOUND });
    await expect(alice.createGroup('Again', { groupId: group.group_id })).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
  });

  it('leaves and deletes: the members are told, the commands resolve', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    const group = await alice.createGroup('Short-lived', { members: [bob.userId] });
    const left = nextEvent<GroupNotice>((l) => alice.on('groupUpdated', l), (g) => g.group_id === group.group_id && !g.members!.some((m) => m.user_id === bob.userId));
    await expect(bob.leaveGroup(group.group_id)).resolves.toBeUndefined();
    await left;
    const deleted = nextEvent<{ group_id: string }>((l) => alice.on('groupDeleted', l));
    await expect(alice.deleteGroup(group.group_id)).resolves.toBeUndefined();
    expect((await deleted).group_id).toBe(group.group_id);
    await expect(alice.send(group.group_id, 'gone?')).rejects.toMatchObject({ code: RejectionCode.GROUP_NOT_FOUND });
  });
});
