import { AdminApi, adminApi } from './support/admin-api';
import { collectInbox, Inbox, layout } from './support/broker';
import { closeTestDb, eventually, testDerivedDb } from './support/database';
import { EngineProcess, startEngine } from './support/engine';
import { device, Device, register, sleep } from './support/presence';

interface Party {
  id: string;
  device: Device;
  inbox: Inbox;
}

describe('receipts: delivered and read positions', () => {
  let engine: EngineProcess;
  let api: AdminApi;
  const devices: Device[] = [];

  const party = async (id: string): Promise<Party> => {
    const d = await device(id);
    devices.push(d);
    return { id, device: d, inbox: await collectInbox(d.client, id) };
  };
  const send = async (from: Party, to: string, text: string): Promise<string> => {
    await from.device.client.publishAsync(layout.outgoing(from.id, to), JSON.stringify({ text, client_message_id: text }), { qos: 1 });
    const [copy] = await from.inbox.waitFor(1, (m) => m.topic === layout.clientAdded(from.id, to) && m.payload.text === text);
    return copy.payload.message_id as string;
  };
  const receipt = (who: Party, peer: string, kind: 'delivered' | 'read', body: unknown) =>
    who.device.client.publishAsync(kind === 'read' ? layout.read(who.id, peer) : layout.delivered(who.id, peer), typeof body === 'string' ? body : JSON.stringify(body), { qos: 1 });
  const notices = (p: Party, owner: string, peer: string) => p.inbox.messages.filter((m) => m.topic === layout.receiptsUpdated(owner, peer)).map((m) => m.payload);
  const unread = async (owner: string, peer: string) =>
    ((await api.get(`users/${owner}/conversations`)).body.items as Array<{ peer: string; unread_count: number }>).find((c) => c.peer === peer)?.unread_count;

  beforeAll(async () => {
    engine = await startEngine('receipts');
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    for (const d of devices) d.client.end(true);
    await engine?.stop();
    await closeTestDb();
  });

  it('moves positions forward only, tells the sender (both) and the reader\'s other device (read moves), and keeps unread counts exact', async () => {
    const alice = await party(await register(api, 'alice'));
    const bobId = await register(api, 'bob');
    const bob = await party(bobId);
    const bobTablet = await party(bobId);
    const [m1, m2, m3] = [await send(alice, bob.id, 'one'), await send(alice, bob.id, 'two'), await send(alice, bob.id, 'three')];
    await eventually(async () => (await unread(bob.id, alice.id)) === 3, 5000, 'three unread');

    await receipt(bob, alice.id, 'delivered', { message_id: m3 });
    await alice.inbox.waitFor(1, (m) => m.topic === layout.receiptsUpdated(alice.id, bob.id));
    expect(notices(alice, alice.id, bob.id).at(-1)).toMatchObject({ user: bob.id, delivered_up_to: m3 });
    expect(notices(alice, alice.id, bob.id).at(-1)).not.toHaveProperty('read_up_to');
    // The reader's own devices hear of read moves only (their unread counts), not of deliveries.
    expect(notices(bobTablet, bob.id, alice.id)).toEqual([]);

    await receipt(bob, alice.id, 'read', { message_id: m2 });
    await alice.inbox.waitFor(2, (m) => m.topic === layout.receiptsUpdated(alice.id, bob.id));
    expect(notices(alice, alice.id, bob.id).at(-1)).toMatchObject({ user: bob.id, delivered_up_to: m3, read_up_to: m2 });
    await bobTablet.inbox.waitFor(1, (m) => m.topic === layout.receiptsUpdated(bob.id, alice.id));
    expect(notices(bobTablet, bob.id, alice.id).at(-1)).toMatchObject({ user: bob.id, read_up_to: m2 });
    expect(await unread(bob.id, alice.id)).toBe(1);

    // Late and repeated receipts change nothing and tell no one.
    await receipt(bob, alice.id, 'read', { message_id: m1 });
    await receipt(bob, alice.id, 'delivered', { message_id: m2 });
    await receipt(bob, alice.id, 'read', { message_id: m2 });
    await sleep(1_500);
    expect(notices(alice, alice.id, bob.id)).toHaveLength(2);
    expect(notices(bobTablet, bob.id, alice.id)).toHaveLength(1);
    expect(await unread(bob.id, alice.id)).toBe(1);

    // The history shows each message's status for its recipient.
    const history = (await api.get(`users/${alice.id}/conversations/${bob.id}/messages`)).body.items as Array<{ message_id: string; receipt: string }>;
    expect(history.map((m) => [m.message_id, m.receipt])).toEqual([[m1, 'read'], [m2, 'read'], [m3, 'delivered']]);

    // A message from bob: alice's count, and bob's own count is unchanged by his own message.
    await send(bob, alice.id, 'reply');
    await receipt(bob, alice.id, 'read', { message_id: m3 });
    await eventually(async () => (await unread(bob.id, alice.id)) === 0, 5000, 'bob read everything');
    await eventually(async () => (await unread(alice.id, bob.id)) === 1, 5000, 'alice has one unread');

    // Survives a restart (positions are stored before the receipt is acknowledged).
    await engine.stop();
    engine = await startEngine('receipts-2');
    api = adminApi(engine.url);
    expect([await unread(bob.id, alice.id), await unread(alice.id, bob.id)]).toEqual([0, 1]);
    const db = await testDerivedDb();
    expect(await db.collection('read_states').findOne({ owner: bob.id, peer: alice.id })).toMatchObject({ delivered_up_to: m3, read_up_to: m3 });
  });

  it('refuses unknown ids, another conversation\'s message, malformed bodies and receipts in a group one is not in; positions stay', async () => {
    const carol = await party(await register(api, 'carol'));
    const dave = await party(await register(api, 'dave'));
    const erin = await party(await register(api, 'erin'));
    const m = await send(carol, dave.id, 'hi dave');
    const other = await send(carol, erin.id, 'hi erin');
    await receipt(dave, carol.id, 'read', { message_id: m });
    await carol.inbox.waitFor(1, (x) => x.topic === layout.receiptsUpdated(carol.id, dave.id));

    const results = () => dave.inbox.messages.filter((x) => x.topic === layout.receiptsResult(dave.id, carol.id)).map((x) => x.payload);
    await receipt(dave, carol.id, 'read', { message_id: '01ZZZZZZZZZZZZZZZZZZZZZZZZ' });
    await receipt(dave, carol.id, 'read', { message_id: other });
    await receipt(dave, carol.id, 'delivered', '{"message_id":');
    await receipt(dave, carol.id, 'read', { message_id: { $gt: '' } });
    await dave.inbox.waitFor(4, (x) => x.topic === layout.receiptsResult(dave.id, carol.id));
    expect(results().map((r) => r.code).sort()).toEqual(['INVALID_PAYLOAD', 'MESSAGE_NOT_FOUND', 'MESSAGE_NOT_FOUND', 'VALIDATION_FAILED']);

    const group = (await api.post('groups', { name: 'g', owner: carol.id, members: [dave.id] })).body.group_id as string;
    await receipt(erin, group, 'read', { message_id: m });
    const [refused] = await erin.inbox.waitFor(1, (x) => x.topic === layout.receiptsResult(erin.id, group));
    expect(refused.payload).toMatchObject({ ok: false, code: 'NOT_A_MEMBER' });

    const db = await testDerivedDb();
    expect(await db.collection('read_states').findOne({ owner: dave.id, peer: carol.id })).toMatchObject({ read_up_to: m });
    expect((await fetch(`${engine.url}/health/ready`)).status).toBe(200);
  });

  it('in a group: a member\'s positions are stored and queryable per message; nobody else is told per receipt, their own devices of read moves', async () => {
    const owner = await party(await register(api, 'gowner'));
    const m1 = await party(await register(api, 'gm1'));
    const m2 = await party(await register(api, 'gm2'));
    const created = await api.post('groups', { name: 'team', owner: owner.id, members: [m1.id, m2.id] });
    const group = created.body.group_id as string;
    await sleep(300);
    const msg = await send(owner, group, 'hello team');
    await m1.inbox.waitFor(1, (x) => x.topic === layout.clientAdded(m1.id, group) && x.payload.text === 'hello team');

    await receipt(m1, group, 'read', { message_id: msg });
    await receipt(m2, group, 'delivered', { message_id: msg });
    await m1.inbox.waitFor(1, (x) => x.topic === layout.receiptsUpdated(m1.id, group));
    const receipts = await eventually(async () => {
      const r = (await api.get(`groups/${group}/messages/${msg}/receipts`)).body;
      return r.read?.length === 1 && r.delivered?.length === 1 ? r : null;
    }, 5000, 'group receipts');
    expect(receipts).toEqual({ message_id: msg, read: [m1.id], delivered: [m2.id], pending: [] });
    await sleep(300);
    expect(owner.inbox.messages.filter((x) => x.topic.includes('/receipts/'))).toEqual([]);
    expect(m1.inbox.messages.filter((x) => x.topic === layout.receiptsUpdated(m1.id, group)).map((x) => x.payload.user)).toEqual([m1.id]);
    expect(m2.inbox.messages.filter((x) => x.topic === layout.receiptsUpdated(m2.id, group))).toEqual([]);

    expect((await api.get(`groups/${group}/messages/01ZZZZZZZZZZZZZZZZZZZZZZZZ/receipts`)).body.code).toBe('MESSAGE_NOT_FOUND');
    expect((await api.get(`groups/${group}/messages/nope/receipts`)).status).toBe(404);
  });
});
