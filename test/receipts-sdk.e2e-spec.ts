// The client SDK's receipts against the real broker and engine: delivered reported by itself on
// arrival, markRead, the positions each side and each device of the reader sees, refusals, and
// receipts kept across a reconnect (docs/receipts.md, libs/client/README.md).
import { ChatClient, ChatClientOptions, connect, ConnectionState, DeliveredMessage, ErrorCode, ReceiptRefusal, ReceiptUpdate, RejectionCode } from '@app/client';
import { adminApi, AdminApi } from './support/admin-api';
import { userToken } from './support/broker';
import { eventually } from './support/database';
import { EngineProcess, startEngine } from './support/engine';
import { nextEvent } from './support/next-event';
import { dropConnection, registerUser } from './support/sdk-users';
import { servers } from './support/test-env';

describe('client SDK receipts against the real broker and engine', () => {
  let engine: EngineProcess;
  let api: AdminApi;
  const clients: ChatClient[] = [];

  async function connectAs(userId: string, options: Partial<ChatClientOptions> = {}): Promise<ChatClient> {
    const client = await connect({ url: servers.mqttUrl, userId, token: userToken(userId), getToken: () => userToken(userId), ...options });
    clients.push(client);
    return client;
  }

  /** The next positions `client` is told of, in the conversation with `peer`, about `user`, that pass the filter. */
  function positions(client: ChatClient, peer: string, user: string, filter: (u: ReceiptUpdate) => boolean = () => true): Promise<ReceiptUpdate> {
    return nextEvent<ReceiptUpdate>((l) => client.on('receipts', l), (u) => u.peer === peer && u.user === user && filter(u));
  }

  function refusal(client: ChatClient, filter: (r: ReceiptRefusal) => boolean = () => true): Promise<ReceiptRefusal> {
    return nextEvent<ReceiptRefusal>((l) => client.on('receiptRefused', l), filter);
  }

  /** Every update `client` gets, from now on. */
  function record(client: ChatClient): ReceiptUpdate[] {
    const seen: ReceiptUpdate[] = [];
    client.on('receipts', (u) => seen.push(u));
    return seen;
  }

  const history = async (owner: string, peer: string) =>
    (await api.get(`users/${owner}/conversations/${peer}/messages?order=asc&limit=100`)).body.items as Array<{ message_id: string; receipt: string }>;
  const unread = async (owner: string, peer: string) =>
    ((await api.get(`users/${owner}/conversations`)).body.items as Array<{ peer: string; unread_count: number }>).find((c) => c.peer === peer)?.unread_count;

  beforeAll(async () => {
    engine = await startEngine('receipts-sdk');
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await engine?.stop();
  });

  it("reports delivered by itself, markRead reports read: the sender sees both, the reader's second device sees its read position", async () => {
    const [aliceId, bobId] = [await registerUser(api, 'alice'), await registerUser(api, 'bob')];
    const alice = await connectAs(aliceId);
    const bob = await connectAs(bobId);
    const bobTablet = await connectAs(bobId, { autoDelivered: false });

    const arrived = nextEvent<DeliveredMessage>((l) => bob.on('message', l));
    const aliceSeesDelivered = positions(alice, bobId, bobId, (u) => u.delivered_up_to !== undefined);
    const tabletSaw = record(bobTablet);
    const m1 = await alice.send(bobId, 'hello bob');
    expect((await arrived).message_id).toBe(m1);
    expect(await aliceSeesDelivered).toEqual({ peer: bobId, user: bobId, delivered_up_to: m1, timestamp: expect.any(Number) });
    expect((await history(aliceId, bobId)).map((m) => m.receipt)).toEqual(['delivered']);
    // The conversation's summary is stored just after the copies go out.
    await eventually(async () => (await unread(bobId, aliceId)) === 1, 5000, 'one unread');

    const aliceSeesRead = positions(alice, bobId, bobId, (u) => u.read_up_to === m1);
    const tabletSeesRead = positions(bobTablet, aliceId, bobId, (u) => u.read_up_to === m1);
    await expect(bob.markRead(aliceId, m1)).resolves.toBeUndefined();
    expect(await aliceSeesRead).toMatchObject({ delivered_up_to: m1, read_up_to: m1 });
    expect(await tabletSeesRead).toMatchObject({ peer: aliceId, user: bobId, delivered_up_to: m1, read_up_to: m1 });
    // Deliveries are not told to the reader's own devices (nothing of theirs changes), reads are.
    expect(tabletSaw.map((u) => u.read_up_to)).toEqual([m1]);
    expect((await history(aliceId, bobId)).map((m) => m.receipt)).toEqual(['read']);
    expect(await unread(bobId, aliceId)).toBe(0);
  });

  it('coalesces a burst: few receipts, the last one the highest; positions only move forward', async () => {
    const [aliceId, bobId] = [await registerUser(api, 'alice'), await registerUser(api, 'bob')];
    const alice = await connectAs(aliceId);
    const bob = await connectAs(bobId);
    const seen = record(alice);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await alice.send(bobId, `burst ${i}`));
    const last = ids[ids.length - 1];
    await positions(alice, bobId, bobId, (u) => u.delivered_up_to === last);
    // 20 messages over a few hundred ms: a handful of receipts (2 a second at most), not 20.
    expect(seen.length).toBeLessThan(8);

    await bob.markRead(aliceId, last);
    await positions(alice, bobId, bobId, (u) => u.read_up_to === last);
    const before = seen.length;
    await bob.markRead(aliceId, ids[3]); // lower: resolves, nothing goes out
    await new Promise((r) => setTimeout(r, 1000));
    expect(seen.length).toBe(before);
    expect(await unread(bobId, aliceId)).toBe(0);
  });

  it("refuses a message of another conversation and a group the user is not in; the SDK's own checks refuse before publishing", async () => {
    const [aliceId, bobId, carolId] = [await registerUser(api, 'alice'), await registerUser(api, 'bob'), await registerUser(api, 'carol')];
    const alice = await connectAs(aliceId);
    const bob = await connectAs(bobId, { autoDelivered: false });
    const carol = await connectAs(carolId);
    const carolDelivered = positions(alice, carolId, carolId);
    const theirs = await alice.send(carolId, 'for carol only');
    expect((await carolDelivered).delivered_up_to).toBe(theirs);

    const notFound = refusal(bob, (r) => r.peer === aliceId);
    await bob.markRead(aliceId, theirs);
    expect(await notFound).toMatchObject({ peer: aliceId, receipt: 'read', messageId: theirs, code: ErrorCode.MESSAGE_NOT_FOUND });

    const group = await alice.createGroup('Private', { members: [carolId] });
    const inGroup = await alice.send(group.group_id, 'members only');
    const notMember = refusal(bob, (r) => r.peer === group.group_id);
    await bob.markRead(group.group_id, inGroup);
    expect(await notMember).toMatchObject({ receipt: 'read', code: RejectionCode.NOT_A_MEMBER });

    await expect(bob.markRead('not/a/user', inGroup)).rejects.toMatchObject({ code: RejectionCode.INVALID_TOPIC, local: true });
    await expect(bob.markRead(aliceId, 'x'.repeat(26))).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED, local: true });
    // Nothing of it moved anyone's positions: carol's stays at delivered, bob has none.
    await new Promise((r) => setTimeout(r, 500));
    expect((await history(aliceId, carolId)).map((m) => m.receipt)).toEqual(['delivered']);
    expect(await unread(bobId, aliceId)).toBeUndefined();
    expect(carol.state).toBe('connected');
  });

  it("in a group: a member's delivered and read are stored, reads told to their own devices, nothing pushed to the other members", async () => {
    const [aliceId, bobId] = [await registerUser(api, 'alice'), await registerUser(api, 'bob')];
    const alice = await connectAs(aliceId);
    const bob = await connectAs(bobId);
    const bobTablet = await connectAs(bobId, { autoDelivered: false });
    const group = await alice.createGroup('Team', { members: [bobId] });
    const aliceSeen = record(alice);

    const tabletSaw = record(bobTablet);
    const m = await alice.send(group.group_id, 'hello team');
    await eventually(async () => (await api.get(`groups/${group.group_id}/messages/${m}/receipts`)).body.delivered?.[0] === bobId, 5000, 'bob delivered');
    expect(tabletSaw).toEqual([]);
    const read = positions(bobTablet, group.group_id, bobId, (u) => u.read_up_to === m);
    await bob.markRead(group.group_id, m);
    await read;
    const receipts = await api.get(`groups/${group.group_id}/messages/${m}/receipts`);
    expect(receipts.body).toEqual({ message_id: m, delivered: [], read: [bobId], pending: [] });
    expect(aliceSeen.filter((u) => u.user !== aliceId)).toEqual([]);
  });

  it('a markRead made while reconnecting goes out once the connection is back', async () => {
    const [aliceId, bobId] = [await registerUser(api, 'alice'), await registerUser(api, 'bob')];
    const alice = await connectAs(aliceId);
    const bob = await connectAs(bobId, { reconnect: { initialDelayMs: 300, maxDelayMs: 1000 } });
    const m = await alice.send(bobId, 'read me later');
    await positions(alice, bobId, bobId, (u) => u.delivered_up_to === m);

    const states: ConnectionState[] = [];
    bob.on('state', (s) => states.push(s));
    const away = nextEvent<ConnectionState>((l) => bob.on('state', l), (s) => s === 'reconnecting');
    await dropConnection(api, bob);
    await away;
    const reading = bob.markRead(aliceId, m);
    expect(bob.pendingReceipts).toBe(1);
    const aliceSeesRead = positions(alice, bobId, bobId, (u) => u.read_up_to === m);
    await reading;
    expect(states).toEqual(['reconnecting', 'connected']);
    await aliceSeesRead;
    expect(bob.pendingReceipts).toBe(0);
  });
});
