import {
  ChatClient,
  ChatClientOptions,
  ClientErrorCode,
  connect,
  ConnectError,
  ConnectionState,
  DeliveredMessage,
  MessageStatus,
  Rejection,
  RejectionCode,
} from '@app/client';
import { userGrants } from '@app/protocol';
import { adminApi, AdminApi } from './support/admin-api';
import { layout, signToken, uid, userToken } from './support/broker';
import { EngineProcess, startEngine } from './support/engine';
import { nextEvent } from './support/next-event';
import { servers } from './support/test-env';

describe('client SDK against the real broker and engine', () => {
  let engine: EngineProcess;
  let api: AdminApi;
  const clients: ChatClient[] = [];

  /** A registered user connected through the SDK (the engine runs with registration required). */
  async function user(name: string, options: Partial<ChatClientOptions> = {}): Promise<ChatClient> {
    const id = uid(name);
    const created = await api.put(`users/${id}`, { display_name: name });
    if (created.status !== 201) throw new Error(`could not register ${id}: ${created.status}`);
    const client = await connect({ url: servers.mqttUrl, userId: id, token: userToken(id), ...options });
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    engine = await startEngine('client-sdk', { REQUIRE_REGISTERED_RECIPIENTS: 'true', MAX_PAYLOAD_BYTES: '2048' });
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await engine?.stop();
  });

  it("resolves send with the engine's message_id, which the recipient gets in a typed message event", async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const received = nextEvent<DeliveredMessage>((l) => bob.on('message', l));
    const confirmed = nextEvent<DeliveredMessage>((l) => alice.on('sent', l));

    // The name the client gives is replaced by the registered one (user('alice') registers "alice").
    const messageId = await alice.send(bob.userId, 'hello bob', { metadata: { trace: 1 }, senderFullname: 'Admin (official)' });

    expect(messageId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    const message = await received;
    expect(message).toEqual({
      text: 'hello bob',
      type: 'text',
      client_message_id: expect.any(String),
      metadata: { trace: 1 },
      sender_fullname: 'alice',
      message_id: messageId,
      sender: alice.userId,
      recipient: bob.userId,
      app_id: 'tilechat',
      channel_type: 'direct',
      timestamp: expect.any(Number),
      status: MessageStatus.DELIVERED,
    });
    expect(await confirmed).toEqual({ ...message, status: MessageStatus.SENT });
    expect(alice.stats).toMatchObject({ echoes: 0, malformed: 0 });
  });

  it('resolves a retry with the same clientMessageId with the first message_id, and the recipient sees it once', async () => {
    const alice = await user('retry-a');
    const bob = await user('retry-b');
    const messages: DeliveredMessage[] = [];
    bob.on('message', (m) => messages.push(m));
    const duplicate = nextEvent<DeliveredMessage>((l) => bob.on('duplicate', l));

    const first = await alice.send(bob.userId, 'once', { clientMessageId: 'retry-1' });
    const second = await alice.send(bob.userId, 'once', { clientMessageId: 'retry-1' });

    expect(second).toBe(first);
    expect((await duplicate).message_id).toBe(first);
    expect(messages.map((m) => m.message_id)).toEqual([first]);
  });

  it("rejects send with the engine's code when the engine refuses the message", async () => {
    const alice = await user('refused-a');
    const nobody = uid('unregistered');
    const rejection = nextEvent<Rejection>((l) => alice.on('rejected', l));

    await expect(alice.send(nobody, 'anyone there?')).rejects.toMatchObject({
      code: RejectionCode.UNKNOWN_RECIPIENT,
      local: false,
    });
    expect(await rejection).toMatchObject({ peer: nobody, code: RejectionCode.UNKNOWN_RECIPIENT, clientMessageId: expect.any(String) });
  });

  it('refuses an invalid recipient id itself and stays connected', async () => {
    const alice = await user('invalid-a');
    const bob = await user('invalid-b');

    await expect(alice.send('bob/../carol', 'x')).rejects.toMatchObject({ code: RejectionCode.INVALID_TOPIC, local: true });
    await expect(alice.send(bob.userId, 'still here')).resolves.toEqual(expect.any(String));
    expect(alice.state).toBe('connected');
  });

  it('reports a refusal without client_message_id as an event; the send it belongs to times out', async () => {
    // The engine's limit (2,048 bytes) is below the SDK's default, so the SDK sends the message,
    // and the engine refuses it unread: its answer cannot name the message.
    const alice = await user('big-a');
    const bob = await user('big-b');
    const rejection = nextEvent<Rejection>((l) => alice.on('rejected', l));

    await expect(alice.send(bob.userId, 'x'.repeat(3000), { timeoutMs: 3000 })).rejects.toMatchObject({ code: ClientErrorCode.TIMEOUT });
    const refused = await rejection;
    expect(refused).toMatchObject({ peer: bob.userId, code: RejectionCode.PAYLOAD_TOO_LARGE });
    expect(refused.clientMessageId).toBeUndefined();
  });

  it('reconnects with a token from getToken after its own token expired, and the send still goes through', async () => {
    const bob = await user('fresh-b');
    const aliceId = uid('fresh-a');
    await api.put(`users/${aliceId}`, { display_name: 'fresh-a' });
    const shortLived = signToken({ sub: aliceId, scope: userGrants(layout, aliceId, 'rabbitmq').scopes }, { ttl: 2 });
    const getToken = jest.fn(async () => userToken(aliceId));
    const alice = await connect({
      url: servers.mqttUrl,
      userId: aliceId,
      token: shortLived,
      getToken,
      reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
    });
    clients.push(alice);
    const states: ConnectionState[] = [];
    alice.on('state', (s) => states.push(s));
    const received = nextEvent<DeliveredMessage>((l) => bob.on('message', l));

    // The broker keeps a connection whose token expired, but closes it on its next publish.
    await new Promise((r) => setTimeout(r, 3500));
    const messageId = await alice.send(bob.userId, 'after expiry');

    expect(getToken).toHaveBeenCalled();
    expect(states).toEqual(['reconnecting', 'connected']);
    expect((await received).message_id).toBe(messageId);
  });

  it('fails to connect with the CONNACK code when the token is bad', async () => {
    const id = uid('bad-token');
    const attempt = connect({ url: servers.mqttUrl, userId: id, token: signToken({ sub: id, scope: [] }, { secret: 'not-the-key-0123456789-0123456789' }) });
    await expect(attempt).rejects.toBeInstanceOf(ConnectError);
    await expect(attempt).rejects.toMatchObject({ returnCode: 4 });
  });
});
