import { DeliveredMessage, ErrorCode, GroupEvent, GroupState, isValidGroupId, MessageStatus, PresenceStatus, RejectionCode, TopicLayout } from '@app/protocol';
import { ChatClient, ConnectionState } from './chat-client';
import { ClientErrorCode, ConnectError, ConversationCommandError, GroupCommandError, MessageUpdateError, PresenceCommandError } from './errors';
import { ChatClientOptions } from './options';
import { groupState } from '../../../test/support/group-state';
import { Qos, Transport, TransportEvents, TransportOptions } from './transport';
import { TypedEmitter } from './typed-emitter';

const layout = new TopicLayout('apps/tilechat/users');

/** Stands in for the broker connection: records what the client does, and plays the broker's part. */
class FakeTransport extends TypedEmitter<TransportEvents> implements Transport {
  connected = false;
  readonly published: Array<{ topic: string; payload: string; qos: Qos }> = [];
  readonly subscriptions: Array<{ filters: string[]; qos: Qos }> = [];
  readonly passwords: string[];
  subscribeError: Error | null = null;
  ended = false;

  constructor(readonly options: TransportOptions) {
    super();
    this.passwords = [options.password];
  }

  subscribe(filters: readonly string[], qos: Qos, callback: (error: Error | null) => void): void {
    this.subscriptions.push({ filters: [...filters], qos });
    void Promise.resolve().then(() => callback(this.subscribeError));
  }

  publish(topic: string, payload: string, qos: Qos): void {
    this.published.push({ topic, payload, qos });
  }

  reconnect(password: string): void {
    this.passwords.push(password);
  }

  end(): Promise<void> {
    this.ended = true;
    this.connected = false;
    return Promise.resolve();
  }

  accept(): void {
    this.connected = true;
    this.emit('connect');
  }

  refuse(returnCode: number): void {
    this.emit('error', new Error('Connection refused: Bad username or password'), returnCode);
    this.emit('close');
  }

  drop(reason = 'socket hang up'): void {
    this.connected = false;
    this.emit('error', new Error(reason), undefined);
    this.emit('close');
  }

  deliver(topic: string, payload: unknown): void {
    this.deliverRaw(topic, Buffer.from(JSON.stringify(payload)));
  }

  deliverRaw(topic: string, payload: Buffer): void {
    this.emit('message', topic, payload);
  }

  lastBody(): Record<string, unknown> {
    return JSON.parse(this.published[this.published.length - 1].payload) as Record<string, unknown>;
  }
}

function copy(body: Record<string, unknown>, over: Partial<DeliveredMessage>): DeliveredMessage {
  return {
    text: String(body.text),
    type: 'text',
    client_message_id: body.client_message_id as string,
    message_id: '01J0000000000000000000000A',
    sender: 'alice',
    recipient: 'bob',
    app_id: 'tilechat',
    channel_type: 'direct',
    timestamp: 1,
    status: MessageStatus.SENT,
    ...over,
  };
}

async function connected(options: Partial<ChatClientOptions> = {}): Promise<{ client: ChatClient; broker: FakeTransport }> {
  let broker: FakeTransport | undefined;
  const connecting = ChatClient.connect({
    url: 'mqtt://127.0.0.1:1',
    userId: 'alice',
    token: 'token-1',
    transport: (o) => (broker = new FakeTransport(o)),
    ...options,
  });
  broker!.accept();
  return { client: await connecting, broker: broker! };
}

/** Lets pending promise callbacks run (the fake answers subscriptions on a later tick). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ChatClient', () => {
  afterEach(() => jest.useRealTimers());

  describe('connect', () => {
    it('logs in as the user with a client id the token allows, and subscribes only to the answers', async () => {
      const { client, broker } = await connected();
      expect(broker.options).toMatchObject({ username: 'alice', password: 'token-1' });
      expect(broker.options.clientId).toMatch(/^alice~.+/);
      expect(broker.subscriptions).toEqual([
        {
          filters: [
            layout.clientAdded('alice', '+'),
            layout.clientRejected('alice', '+'),
            layout.groupResult('alice', '+'),
            layout.groupUpdated('alice', '+'),
            layout.groupDeleted('alice', '+'),
            layout.presenceResult('alice'),
            layout.presenceUpdated('alice', '+'),
            layout.typingUpdated('alice', '+'),
            layout.receiptsUpdated('alice', '+'),
            layout.receiptsResult('alice', '+'),
            layout.conversationUpdated('alice', '+'),
            layout.conversationResult('alice', '+'),
            layout.messageResult('alice', '+', '+'),
            layout.messageUpdated('alice', '+', '+'),
            layout.messageDeleted('alice', '+', '+'),
          ],
          qos: 1,
        },
      ]);
      expect(client.state).toBe('connected');
    });

    it('does not resolve before the subscription is acknowledged', async () => {
      let broker: FakeTransport | undefined;
      let done = false;
      const connecting = ChatClient.connect({ url: 'mqtt://x', userId: 'alice', token: 't', transport: (o) => (broker = new FakeTransport(o)) });
      void connecting.then(() => (done = true));
      expect(done).toBe(false);
      broker!.accept();
      expect(done).toBe(false);
      await flush();
      expect(done).toBe(true);
    });

    it('rejects with the CONNACK code when the broker refuses the token, and closes', async () => {
      let broker: FakeTransport | undefined;
      const connecting = ChatClient.connect({ url: 'mqtt://x', userId: 'alice', token: 'bad', transport: (o) => (broker = new FakeTransport(o)) });
      broker!.refuse(4);
      await expect(connecting).rejects.toBeInstanceOf(ConnectError);
      await expect(connecting).rejects.toMatchObject({ returnCode: 4, message: expect.stringMatching(/invalid or expired/) });
      expect(broker!.ended).toBe(true);
    });

    it('rejects when the subscription is refused', async () => {
      let broker: FakeTransport | undefined;
      const connecting = ChatClient.connect({ url: 'mqtt://x', userId: 'alice', token: 't', transport: (o) => (broker = new FakeTransport(o)) });
      broker!.subscribeError = new Error('subscription refused: x');
      broker!.accept();
      await expect(connecting).rejects.toThrow(/could not subscribe/);
    });

    it.each([
      [{ userId: 'al/ice' }, /invalid userId/],
      [{ clientId: 'bob~1' }, /clientId must be "alice~"/],
      [{ clientId: 'alice~' }, /clientId must be "alice~"/],
      [{ token: '' }, /token is required/],
      [{ qos: 2 as Qos }, /qos must be 0 or 1/],
    ])('refuses bad options %p before connecting', async (bad, message) => {
      const transport = jest.fn();
      await expect(ChatClient.connect({ url: 'mqtt://x', userId: 'alice', token: 't', transport, ...bad })).rejects.toThrow(message);
      expect(transport).not.toHaveBeenCalled();
    });

    describe('a CA for mqtts:// and wss://', () => {
      const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
      const other = '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n';

      it.each([
        ['mqtts://127.0.0.1:8883', pem, [pem]],
        ['wss://127.0.0.1:15676/ws', [pem, other], [pem, other]],
        ['MQTTS://broker.example', new TextEncoder().encode(pem), [new TextEncoder().encode(pem)]],
      ])('hands %s the CA certificates (one or a list, text or bytes)', async (url, ca, expected) => {
        const { broker } = await connected({ url, ca });
        expect(broker.options.url).toBe(url);
        expect(broker.options.ca).toEqual(expected);
      });

      it('hands no CA when none is given (the platform trust store)', async () => {
        const { broker } = await connected({ url: 'mqtts://127.0.0.1:8883' });
        expect(broker.options).not.toHaveProperty('ca');
      });

      it.each([
        [{ url: 'mqtt://127.0.0.1:1883', ca: pem }, /ca applies to mqtts:\/\/ and wss:\/\/ URLs only/],
        [{ url: 'ws://127.0.0.1:15675/ws', ca: pem }, /ca applies to mqtts:\/\/ and wss:\/\/ URLs only/],
        [{ ca: [] }, /ca must hold at least one PEM certificate/],
        [{ ca: '.stack/dev/rabbitmq/tls/ca.pem' }, /ca must be PEM certificates/],
        [{ ca: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n' }, /ca must be PEM certificates/],
        [{ ca: [pem, 42 as unknown as string] }, /ca must be PEM certificates/],
        [{ ca: { $gt: '' } as unknown as string }, /ca must be PEM certificates/],
      ])('refuses a CA that cannot be one %p before connecting', async (bad, message) => {
        const transport = jest.fn();
        await expect(ChatClient.connect({ url: 'mqtts://x', userId: 'alice', token: 't', transport, ...bad })).rejects.toThrow(message);
        expect(transport).not.toHaveBeenCalled();
      });
    });
  });

  describe('send', () => {
    it("publishes to the user's outgoing topic and resolves with the engine's message_id", async () => {
      const { client, broker } = await connected();
      const sending = client.send('bob', 'hello');
      expect(broker.published[0].topic).toBe(layout.outgoing('alice', 'bob'));
      expect(broker.published[0].qos).toBe(1);
      const body = broker.lastBody();
      expect(body).toEqual({ text: 'hello', type: 'text', client_message_id: expect.any(String) });

      const sent = jest.fn();
      client.on('sent', sent);
      broker.deliver(layout.clientAdded('alice', 'bob'), copy(body, { message_id: '01J0000000000000000000000B' }));
      await expect(sending).resolves.toBe('01J0000000000000000000000B');
      expect(sent).toHaveBeenCalledWith(expect.objectContaining({ message_id: '01J0000000000000000000000B' }));
      expect(client.pendingSends).toBe(0);
    });

    it('matches confirmations by client_message_id, whatever order they come in', async () => {
      const { client, broker } = await connected();
      const first = client.send('bob', 'one');
      const firstBody = broker.lastBody();
      const second = client.send('bob', 'two');
      const secondBody = broker.lastBody();
      broker.deliver(layout.clientAdded('alice', 'bob'), copy(secondBody, { message_id: 'M2' }));
      broker.deliver(layout.clientAdded('alice', 'bob'), copy(firstBody, { message_id: 'M1' }));
      await expect(Promise.all([first, second])).resolves.toEqual(['M1', 'M2']);
    });

    it("rejects with the engine's code when the engine refuses the message", async () => {
      const { client, broker } = await connected();
      const sending = client.send('bob', 'hello');
      const rejected = jest.fn();
      client.on('rejected', rejected);
      const rejection = { client_message_id: broker.lastBody().client_message_id, code: RejectionCode.RATE_LIMITED, reason: 'slow down', timestamp: 3 };
      broker.deliver(layout.clientRejected('alice', 'bob'), rejection);
      await expect(sending).rejects.toMatchObject({ code: RejectionCode.RATE_LIMITED, reason: 'slow down', local: false });
      expect(rejected).toHaveBeenCalledWith(expect.objectContaining({ peer: 'bob', code: RejectionCode.RATE_LIMITED }));
    });

    it('refuses an invalid recipient without publishing (the broker would close the connection)', async () => {
      const { client, broker } = await connected();
      await expect(client.send('bo/b', 'x')).rejects.toMatchObject({ code: RejectionCode.INVALID_TOPIC, local: true });
      expect(broker.published).toHaveLength(0);
    });

    it("refuses a message over the engine's size limit without publishing", async () => {
      const { client, broker } = await connected({ maxPayloadBytes: 100 });
      await expect(client.send('bob', 'x'.repeat(200))).rejects.toMatchObject({ code: RejectionCode.PAYLOAD_TOO_LARGE, local: true });
      expect(broker.published).toHaveLength(0);
    });

    it('times out with TIMEOUT when no answer comes', async () => {
      const { client } = await connected({ sendTimeoutMs: 1000 });
      jest.useFakeTimers();
      const sending = client.send('bob', 'hello', { timeoutMs: 50 });
      jest.advanceTimersByTime(50);
      await expect(sending).rejects.toMatchObject({ code: ClientErrorCode.TIMEOUT });
    });

    it('settles a retry answered with a copy it has already seen', async () => {
      const { client, broker } = await connected();
      const first = client.send('bob', 'hello', { clientMessageId: 'retry-1' });
      const answer = copy(broker.lastBody(), { message_id: 'M1' });
      broker.deliver(layout.clientAdded('alice', 'bob'), answer);
      await expect(first).resolves.toBe('M1');
      const retry = client.send('bob', 'hello', { clientMessageId: 'retry-1' });
      broker.deliver(layout.clientAdded('alice', 'bob'), answer);
      await expect(retry).resolves.toBe('M1');
      expect(client.stats.duplicates).toBe(1);
    });

    it('sends a retry with the caller-given client_message_id', async () => {
      const { client, broker } = await connected();
      void client.send('bob', 'hello', { clientMessageId: 'retry-1' }).catch(() => undefined);
      expect(broker.lastBody().client_message_id).toBe('retry-1');
      await client.close();
    });

    it('fails pending and later sends with CLOSED after close()', async () => {
      const { client, broker } = await connected();
      const sending = client.send('bob', 'hello');
      await client.close();
      await expect(sending).rejects.toMatchObject({ code: ClientErrorCode.CLOSED });
      await expect(client.send('bob', 'again')).rejects.toMatchObject({ code: ClientErrorCode.CLOSED });
      expect(broker.ended).toBe(true);
      expect(client.state).toBe('closed');
    });
  });

  describe('incoming', () => {
    const incoming = (over: Partial<DeliveredMessage> = {}) =>
      copy({ text: 'hey', client_message_id: 'b1' }, { sender: 'bob', recipient: 'alice', status: MessageStatus.DELIVERED, message_id: 'MB1', ...over });

    it('emits messages to the user once, dropping redelivered copies', async () => {
      const { client, broker } = await connected();
      const messages = jest.fn();
      const duplicates = jest.fn();
      client.on('message', messages).on('duplicate', duplicates);
      broker.deliver(layout.clientAdded('alice', 'bob'), incoming());
      broker.deliver(layout.clientAdded('alice', 'bob'), incoming());
      broker.deliver(layout.clientAdded('alice', 'bob'), incoming({ message_id: 'MB2' }));
      expect(messages.mock.calls.map(([m]) => (m as DeliveredMessage).message_id)).toEqual(['MB1', 'MB2']);
      expect(duplicates).toHaveBeenCalledTimes(1);
      expect(client.stats.duplicates).toBe(1);
    });

    it('ignores its own outgoing echoes and malformed payloads', async () => {
      const { client, broker } = await connected();
      const messages = jest.fn();
      client.on('message', messages);
      broker.deliver(layout.outgoing('alice', 'bob'), { text: 'mine', client_message_id: 'x' });
      broker.deliverRaw(layout.clientAdded('alice', 'bob'), Buffer.from('not json'));
      expect(messages).not.toHaveBeenCalled();
      expect(client.stats).toMatchObject({ echoes: 1, malformed: 1 });
    });

    it('keeps delivering when a listener throws, and re-throws the error on its own tick', async () => {
      const { client, broker } = await connected();
      jest.useFakeTimers();
      const second = jest.fn();
      client.on('message', () => {
        throw new Error('app bug');
      });
      client.on('message', second);
      broker.deliver(layout.clientAdded('alice', 'bob'), incoming());
      expect(second).toHaveBeenCalledTimes(1);
      expect(() => jest.runOnlyPendingTimers()).toThrow('app bug');
    });
  });

  describe('reconnect', () => {
    it('asks getToken for a fresh token before each attempt and reports the states', async () => {
      const getToken = jest.fn().mockResolvedValueOnce('token-2').mockResolvedValueOnce('token-3');
      const { client, broker } = await connected({ getToken, reconnect: { initialDelayMs: 10, maxDelayMs: 10 } });
      const states: Array<[ConnectionState, string | undefined]> = [];
      client.on('state', (s, e) => states.push([s, e?.message]));

      broker.drop('socket hang up');
      expect(client.state).toBe('reconnecting');
      await new Promise((r) => setTimeout(r, 30));
      expect(getToken).toHaveBeenCalledTimes(1);
      expect(broker.passwords).toEqual(['token-1', 'token-2']);

      broker.refuse(4); // the attempt fails: the next one fetches again
      await new Promise((r) => setTimeout(r, 30));
      expect(broker.passwords).toEqual(['token-1', 'token-2', 'token-3']);
      broker.accept();
      expect(client.state).toBe('reconnecting'); // until the subscription is back
      await flush();
      expect(client.state).toBe('connected');
      expect(states).toEqual([
        ['reconnecting', 'socket hang up'],
        ['connected', undefined],
      ]);
      expect(client.stats.reconnectAttempts).toBe(2);
      await client.close();
    });

    it('subscribes again, then publishes again every send still waiting, after a reconnect', async () => {
      const { client, broker } = await connected({ reconnect: { initialDelayMs: 10, maxDelayMs: 10 } });
      const answered = client.send('bob', 'answered');
      const answeredBody = broker.lastBody();
      const lost = client.send('bob', 'answer lost');
      broker.deliver(layout.clientAdded('alice', 'bob'), copy(answeredBody, { message_id: 'M1' }));
      await expect(answered).resolves.toBe('M1');

      broker.drop();
      const whileAway = client.send('bob', 'sent while away');
      expect(broker.published).toHaveLength(2); // nothing goes out while disconnected
      await new Promise((r) => setTimeout(r, 30));
      broker.accept();
      expect(broker.published).toHaveLength(2); // not before the subscription is back
      await flush();

      expect(broker.subscriptions).toHaveLength(2);
      expect(broker.published.slice(2).map((p) => (JSON.parse(p.payload) as { text: string }).text)).toEqual(['answer lost', 'sent while away']);
      for (const p of broker.published.slice(2)) {
        broker.deliver(layout.clientAdded('alice', 'bob'), copy(JSON.parse(p.payload) as Record<string, unknown>, { message_id: `M-${p.payload.length}` }));
      }
      await expect(Promise.all([lost, whileAway])).resolves.toHaveLength(2);
      expect(broker.passwords).toEqual(['token-1', 'token-1']);
      await client.close();
    });

    it('retries with backoff when getToken fails', async () => {
      const getToken = jest.fn().mockRejectedValueOnce(new Error('auth server down')).mockResolvedValueOnce('token-2');
      const { client, broker } = await connected({ getToken, reconnect: { initialDelayMs: 10, maxDelayMs: 10 } });
      const errors: string[] = [];
      client.on('state', (_s, e) => errors.push(e?.message ?? ''));
      broker.drop();
      await new Promise((r) => setTimeout(r, 60));
      expect(getToken).toHaveBeenCalledTimes(2);
      expect(errors).toContain('getToken failed: auth server down');
      expect(broker.passwords).toEqual(['token-1', 'token-2']);
      await client.close();
    });

    it('closes, failing waiting sends, when reconnect is off', async () => {
      const { client, broker } = await connected({ reconnect: false });
      const sending = client.send('bob', 'hello');
      broker.drop('gone');
      expect(client.state).toBe('closed');
      await expect(sending).rejects.toMatchObject({ code: ClientErrorCode.CLOSED, reason: 'connection lost: gone' });
    });
  });

  describe('groups', () => {
    const G = 'group-01j0team';
    const state = (over: Partial<GroupState> = {}) => groupState({ group_id: G, ...over });
    const answer = (action: string, over: Record<string, unknown> = {}) => ({ action, group_id: G, ok: true, group: state(), timestamp: 2, ...over });
    const commandsOut = (broker: FakeTransport) => broker.published.filter((p) => p.topic.endsWith('/command'));

    it('sends to a group on its outgoing topic and settles with the confirmation copy, as for a user', async () => {
      const { client, broker } = await connected();
      const sending = client.send(G, 'hello all');
      expect(broker.published[0].topic).toBe(layout.outgoing('alice', G));
      broker.deliver(layout.clientAdded('alice', G), copy(broker.lastBody(), { recipient: G, channel_type: 'group', message_id: 'MG1' }));
      await expect(sending).resolves.toBe('MG1');
    });

    it.each([RejectionCode.NOT_A_MEMBER, RejectionCode.GROUP_NOT_FOUND])('rejects a group send refused with %s', async (code) => {
      const { client, broker } = await connected();
      const sending = client.send(G, 'hello all');
      broker.deliver(layout.clientRejected('alice', G), { client_message_id: broker.lastBody().client_message_id, code, reason: 'no', timestamp: 3 });
      await expect(sending).rejects.toMatchObject({ code, local: false });
    });

    it("emits members' messages with the group visible, history flag included, and system messages as group events", async () => {
      const { client, broker } = await connected();
      const messages = jest.fn();
      const events = jest.fn();
      client.on('message', messages).on('groupEvent', events);
      const fromBob = copy({ text: 'hi' }, { sender: 'bob', recipient: G, channel_type: 'group', status: MessageStatus.DELIVERED, message_id: 'MG2', history: true });
      broker.deliver(layout.clientAdded('alice', G), fromBob);
      const joined = copy(
        { text: 'carol joined' },
        { sender: 'system', type: 'system', recipient: G, channel_type: 'group', status: MessageStatus.DELIVERED, message_id: 'MG3',
          attributes: { event: GroupEvent.MEMBER_JOINED, group_id: G, by: 'alice', member_id: 'carol' } },
      );
      broker.deliver(layout.clientAdded('alice', G), joined);
      broker.deliver(layout.clientAdded('alice', G), joined);
      expect(messages).toHaveBeenCalledTimes(1);
      expect(messages).toHaveBeenCalledWith(expect.objectContaining({ channel_type: 'group', recipient: G, sender: 'bob', history: true }));
      expect(events).toHaveBeenCalledTimes(1);
      expect(events).toHaveBeenCalledWith(expect.objectContaining({ attributes: expect.objectContaining({ event: GroupEvent.MEMBER_JOINED, member_id: 'carol' }) }));
      expect(client.stats.duplicates).toBe(1);
    });

    it("emits a group's new state and its deletion", async () => {
      const { client, broker } = await connected();
      const updated = jest.fn();
      const deleted = jest.fn();
      client.on('groupUpdated', updated).on('groupDeleted', deleted);
      broker.deliver(layout.groupUpdated('alice', G), state({ name: 'Renamed' }));
      broker.deliver(layout.groupDeleted('alice', G), { group_id: G, timestamp: 5 });
      expect(updated).toHaveBeenCalledWith(state({ name: 'Renamed' }));
      expect(deleted).toHaveBeenCalledWith({ group_id: G, timestamp: 5 });
    });

    it('creates a group under a new id and resolves with its state', async () => {
      const { client, broker } = await connected();
      const creating = client.createGroup('Team', { members: ['bob'], attributes: { topic: 'x' } });
      const [published] = commandsOut(broker);
      const groupId = published.topic.split('/')[5];
      expect(isValidGroupId(groupId)).toBe(true);
      expect(published.topic).toBe(layout.groupCommand('alice', groupId));
      expect(JSON.parse(published.payload)).toEqual({ action: 'create', name: 'Team', attributes: { topic: 'x' }, members: ['bob'], command_id: expect.any(String) });
      broker.deliver(layout.groupResult('alice', groupId), answer('create', { group_id: groupId, group: state({ group_id: groupId }) }));
      await expect(creating).resolves.toEqual(state({ group_id: groupId }));
      expect(client.pendingCommands).toBe(0);
    });

    it.each([
      ['createGroup with a given id', (c: ChatClient) => c.createGroup('Team', { groupId: G }), { action: 'create', name: 'Team' }],
      ['updateGroup', (c: ChatClient) => c.updateGroup(G, { name: 'New' }), { action: 'update', name: 'New' }],
      ['addMembers', (c: ChatClient) => c.addMembers(G, ['carol', 'dave']), { action: 'add_members', members: ['carol', 'dave'] }],
      ['removeMember', (c: ChatClient) => c.removeMember(G, 'bob'), { action: 'remove_member', member_id: 'bob' }],
      ['setMemberRole', (c: ChatClient) => c.setMemberRole(G, 'bob', 'admin'), { action: 'set_role', member_id: 'bob', role: 'admin' }],
      ['transferOwnership', (c: ChatClient) => c.transferOwnership(G, 'bob'), { action: 'transfer_ownership', member_id: 'bob' }],
    ])('%s publishes its command and resolves with the group after it', async (_name, run, command) => {
      const { client, broker } = await connected();
      const running = run(client);
      expect(commandsOut(broker).map((p) => [p.topic, JSON.parse(p.payload)])).toEqual([[layout.groupCommand('alice', G), { ...command, command_id: expect.any(String) }]]);
      broker.deliver(layout.groupResult('alice', G), answer(command.action, { group: state({ name: 'after' }) }));
      await expect(running).resolves.toEqual(state({ name: 'after' }));
    });

    it.each([
      ['leaveGroup', (c: ChatClient) => c.leaveGroup(G), 'leave'],
      ['deleteGroup', (c: ChatClient) => c.deleteGroup(G), 'delete'],
    ])('%s publishes its command and resolves with nothing', async (_name, run, action) => {
      const { client, broker } = await connected();
      const running = run(client);
      expect(JSON.parse(commandsOut(broker)[0].payload)).toEqual({ action, command_id: expect.any(String) });
      broker.deliver(layout.groupResult('alice', G), answer(action, { group: undefined }));
      await expect(running).resolves.toBeUndefined();
    });

    it("rejects with the engine's code and reason when the command is refused", async () => {
      const { client, broker } = await connected();
      const deleting = client.deleteGroup(G);
      broker.deliver(layout.groupResult('alice', G), { action: 'delete', group_id: G, ok: false, code: ErrorCode.FORBIDDEN, reason: 'only the owner', timestamp: 2 });
      await expect(deleting).rejects.toBeInstanceOf(GroupCommandError);
      await expect(deleting).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN, reason: 'only the owner', groupId: G, action: 'delete', local: false });
    });

    it('settles each command by the command_id its result echoes, whatever the order of the results', async () => {
      const { client, broker } = await connected();
      const adding = client.addMembers(G, ['carol']);
      const promoting = client.setMemberRole(G, 'carol', 'admin');
      const [addId, promoteId] = commandsOut(broker).map((p) => (JSON.parse(p.payload) as { command_id: string }).command_id);
      expect(addId).not.toBe(promoteId);
      broker.deliver(layout.groupResult('alice', G), answer('set_role', { command_id: promoteId, group: state({ name: 'promoted' }) }));
      await expect(promoting).resolves.toEqual(state({ name: 'promoted' }));
      broker.deliver(layout.groupResult('alice', G), answer('add_members', { command_id: 'someone-elses', group: state({ name: 'other device' }) }));
      broker.deliver(layout.groupResult('alice', G), answer('add_members', { command_id: addId, group: state({ name: 'added' }) }));
      await expect(adding).resolves.toEqual(state({ name: 'added' }));
    });

    it('settles two commands to one group in the order they went out', async () => {
      const { client, broker } = await connected();
      const adding = client.addMembers(G, ['carol']);
      const renaming = client.updateGroup(G, { name: 'Two' });
      const removing = client.removeMember(G, 'bob');
      broker.deliver(layout.groupResult('alice', G), answer('add_members', { group: state({ name: 'first' }) }));
      broker.deliver(layout.groupResult('alice', G), { action: 'update', group_id: G, ok: false, code: ErrorCode.NOT_A_MEMBER, reason: 'gone', timestamp: 3 });
      broker.deliver(layout.groupResult('alice', G), answer('remove_member', { group: state({ name: 'third' }) }));
      await expect(adding).resolves.toMatchObject({ name: 'first' });
      await expect(renaming).rejects.toMatchObject({ code: ErrorCode.NOT_A_MEMBER });
      await expect(removing).resolves.toMatchObject({ name: 'third' });
    });

    it.each([
      ['a blank name', (c: ChatClient) => c.createGroup('  ', { groupId: G }), ErrorCode.VALIDATION_FAILED],
      ['a repeated member', (c: ChatClient) => c.createGroup('Team', { members: ['bob', 'bob'] }), ErrorCode.VALIDATION_FAILED],
      ['too many members', (c: ChatClient) => c.addMembers(G, ['bob', 'carol', 'dave']), ErrorCode.VALIDATION_FAILED],
      ['a group id as a member', (c: ChatClient) => c.addMembers(G, ['group-x']), ErrorCode.VALIDATION_FAILED],
      ['an invalid member id', (c: ChatClient) => c.removeMember(G, 'a/b'), ErrorCode.VALIDATION_FAILED],
      ['an update with nothing to change', (c: ChatClient) => c.updateGroup(G, {}), ErrorCode.VALIDATION_FAILED],
      ['attributes that are not an object', (c: ChatClient) => c.updateGroup(G, { attributes: [] as unknown as Record<string, unknown> }), ErrorCode.VALIDATION_FAILED],
      ['a user id as the group', (c: ChatClient) => c.leaveGroup('bob'), RejectionCode.INVALID_TOPIC],
      ['an invalid group id', (c: ChatClient) => c.createGroup('Team', { groupId: 'group-a/b' }), RejectionCode.INVALID_TOPIC],
    ])('refuses %s without publishing', async (_what, run, code) => {
      const { client, broker } = await connected({ maxGroupMembers: 2 });
      await expect(run(client)).rejects.toMatchObject({ code, local: true });
      expect(broker.published).toHaveLength(0);
      expect(client.pendingCommands).toBe(0);
    });

    it('times out with TIMEOUT when no result comes', async () => {
      const { client } = await connected();
      jest.useFakeTimers();
      const leaving = client.leaveGroup(G, { timeoutMs: 50 });
      jest.advanceTimersByTime(50);
      await expect(leaving).rejects.toMatchObject({ code: ClientErrorCode.TIMEOUT });
      expect(client.pendingCommands).toBe(0);
    });

    it('fails a command that was out when the connection drops, and sends one made while away after the reconnect', async () => {
      const { client, broker } = await connected({ reconnect: { initialDelayMs: 10, maxDelayMs: 10 } });
      const out = client.addMembers(G, ['carol']);
      broker.drop('gone');
      await expect(out).rejects.toMatchObject({ code: ClientErrorCode.DISCONNECTED, action: 'add_members' });
      const whileAway = client.leaveGroup(G);
      expect(commandsOut(broker)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 30));
      broker.accept();
      await flush();
      expect(commandsOut(broker).map((p) => JSON.parse(p.payload) as unknown)).toEqual([{ action: 'add_members', members: ['carol'], command_id: expect.any(String) }, { action: 'leave', command_id: expect.any(String) }]);
      broker.deliver(layout.groupResult('alice', G), answer('leave', { group: undefined }));
      await expect(whileAway).resolves.toBeUndefined();
      await client.close();
    });

    it('fails waiting and later commands with CLOSED after close()', async () => {
      const { client } = await connected();
      const leaving = client.leaveGroup(G);
      await client.close();
      await expect(leaving).rejects.toMatchObject({ code: ClientErrorCode.CLOSED });
      await expect(client.deleteGroup(G)).rejects.toMatchObject({ code: ClientErrorCode.CLOSED });
    });
  });
  describe('presence', () => {
    const presenceOut = (broker: FakeTransport) =>
      broker.published.filter((p) => p.topic === layout.presenceCommand('alice') || p.topic === layout.presenceWatch('alice')).map((p) => ({ topic: p.topic, body: JSON.parse(p.payload) as Record<string, unknown> }));
    const idOf = (broker: FakeTransport) => broker.lastBody().command_id as string;
    const statusResult = (commandId: string | undefined, status: PresenceStatus = 'away', over: Record<string, unknown> = {}) => ({ command: 'status', command_id: commandId, ok: true, status, timestamp: 3, ...over });
    const watchResult = (commandId: string | undefined, watched: number, over: Record<string, unknown> = {}) => ({ command: 'watch', command_id: commandId, ok: true, watched, timestamp: 3, ...over });

    it("sets the user's status on the presence command topic and resolves with the engine's result", async () => {
      const { client, broker } = await connected();
      const setting = client.setStatus('away', 'lunch');
      expect(presenceOut(broker)).toEqual([{ topic: layout.presenceCommand('alice'), body: { status: 'away', text: 'lunch', command_id: expect.any(String) } }]);
      expect(client.pendingCommands).toBe(1);
      broker.deliver(layout.presenceResult('alice'), statusResult(idOf(broker), 'away', { text: 'lunch' }));
      await expect(setting).resolves.toEqual(statusResult(idOf(broker), 'away', { text: 'lunch' }));
      expect(client.pendingCommands).toBe(0);
    });

    it('sends a null text to clear it, and no text when none is given', async () => {
      const { client, broker } = await connected();
      void client.setStatus('busy', null).catch(() => undefined);
      void client.setStatus('online').catch(() => undefined);
      expect(presenceOut(broker).map((p) => p.body)).toEqual([
        { status: 'busy', text: null, command_id: expect.any(String) },
        { status: 'online', command_id: expect.any(String) },
      ]);
      await client.close();
    });

    it('replaces the watch list on the watch topic and resolves with the count and the unknown ids', async () => {
      const { client, broker } = await connected();
      const watching = client.watch(['bob', 'ghost']);
      expect(presenceOut(broker)).toEqual([{ topic: layout.presenceWatch('alice'), body: { users: ['bob', 'ghost'], command_id: expect.any(String) } }]);
      broker.deliver(layout.presenceResult('alice'), watchResult(idOf(broker), 2, { unknown: ['ghost'] }));
      await expect(watching).resolves.toMatchObject({ command: 'watch', ok: true, watched: 2, unknown: ['ghost'] });
    });

    it("rejects with a PresenceCommandError carrying the engine's code when refused", async () => {
      const { client, broker } = await connected();
      const watching = client.watch(['bob']);
      broker.deliver(layout.presenceResult('alice'), { command: 'watch', command_id: idOf(broker), ok: false, code: RejectionCode.RATE_LIMITED, reason: 'slow down', timestamp: 3 });
      await expect(watching).rejects.toBeInstanceOf(PresenceCommandError);
      await expect(watching).rejects.toMatchObject({ code: RejectionCode.RATE_LIMITED, reason: 'slow down', command: 'watch', local: false });
    });

    it("settles each command by its command_id; another device's result, one without command_id or of the other command settle nothing", async () => {
      const { client, broker } = await connected();
      const setting = client.setStatus('busy');
      const statusId = idOf(broker);
      const watching = client.watch(['bob']);
      const watchId = idOf(broker);
      expect(statusId).not.toBe(watchId);
      broker.deliver(layout.presenceResult('alice'), statusResult('alice-other-device', 'online'));
      broker.deliver(layout.presenceResult('alice'), statusResult(undefined, 'online'));
      broker.deliver(layout.presenceResult('alice'), watchResult(statusId, 1));
      expect(client.pendingCommands).toBe(2);
      broker.deliver(layout.presenceResult('alice'), watchResult(watchId, 1));
      broker.deliver(layout.presenceResult('alice'), statusResult(statusId, 'busy'));
      await expect(watching).resolves.toMatchObject({ watched: 1 });
      await expect(setting).resolves.toMatchObject({ status: 'busy' });
    });

    it.each([
      ['a status no one can set', (c: ChatClient) => c.setStatus('offline' as PresenceStatus), 'status'],
      ['a text over 140 characters', (c: ChatClient) => c.setStatus('away', 'x'.repeat(141)), 'status'],
      ['a text that is not a string', (c: ChatClient) => c.setStatus('away', 5 as unknown as string), 'status'],
      ['an invalid user id', (c: ChatClient) => c.watch(['bob', 'a/b']), 'watch'],
      ['a list that is not an array', (c: ChatClient) => c.watch('bob' as unknown as string[]), 'watch'],
      ['more users than maxWatchedUsers', (c: ChatClient) => c.watch(['bob', 'carol', 'dave']), 'watch'],
    ])('refuses %s with VALIDATION_FAILED without publishing', async (_what, run, command) => {
      const { client, broker } = await connected({ maxWatchedUsers: 2 });
      await expect(run(client)).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED, command, local: true });
      expect(broker.published).toHaveLength(0);
      expect(client.pendingCommands).toBe(0);
    });

    it('refuses a watch list over maxPayloadBytes with PAYLOAD_TOO_LARGE', async () => {
      const { client, broker } = await connected({ maxPayloadBytes: 100 });
      await expect(client.watch(Array.from({ length: 20 }, (_, i) => `user${i}`))).rejects.toMatchObject({ code: RejectionCode.PAYLOAD_TOO_LARGE, local: true });
      expect(broker.published).toHaveLength(0);
    });

    it('times out with TIMEOUT when no result comes', async () => {
      const { client } = await connected();
      jest.useFakeTimers();
      const setting = client.setStatus('away', undefined, { timeoutMs: 50 });
      jest.advanceTimersByTime(50);
      await expect(setting).rejects.toMatchObject({ code: ClientErrorCode.TIMEOUT, command: 'status' });
      expect(client.pendingCommands).toBe(0);
    });

    it('fails waiting and later commands with CLOSED after close()', async () => {
      const { client } = await connected();
      const watching = client.watch(['bob']);
      await client.close();
      await expect(watching).rejects.toMatchObject({ code: ClientErrorCode.CLOSED, command: 'watch' });
      await expect(client.setStatus('away')).rejects.toMatchObject({ code: ClientErrorCode.CLOSED, command: 'status' });
    });

    it("emits a watched user's presence, and counts a malformed notice", async () => {
      const { client, broker } = await connected();
      const presence = jest.fn();
      client.on('presence', presence);
      broker.deliver(layout.presenceUpdated('alice', 'bob'), { user: 'bob', status: 'away', text: 'lunch', timestamp: 4 });
      broker.deliver(layout.presenceUpdated('alice', 'bob'), { user: 'bob', status: 'offline', last_seen_at: 5, timestamp: 6 });
      broker.deliver(layout.presenceUpdated('alice', 'bob'), { user: 'carol', status: 'online', timestamp: 7 });
      broker.deliver(layout.presenceUpdated('alice', 'bob'), { user: 'bob', status: 'invisible', timestamp: 8 });
      expect(presence.mock.calls).toEqual([[{ user: 'bob', status: 'away', text: 'lunch', timestamp: 4 }], [{ user: 'bob', status: 'offline', last_seen_at: 5, timestamp: 6 }]]);
      expect(client.stats.malformed).toBe(2);
    });

    it('ignores its own presence commands coming back', async () => {
      const { client, broker } = await connected();
      const presence = jest.fn();
      client.on('presence', presence);
      broker.deliver(layout.presenceCommand('alice'), { status: 'away' });
      broker.deliver(layout.presenceWatch('alice'), { users: ['bob'] });
      expect(presence).not.toHaveBeenCalled();
      expect(client.stats.echoes).toBe(2);
    });

    describe('after a reconnect', () => {
      const reconnect = async (broker: FakeTransport) => {
        broker.drop();
        await new Promise((r) => setTimeout(r, 30));
        broker.accept();
        await flush();
      };

      it('sends the last accepted status and watch list again, after the subscription, without command_id', async () => {
        const { client, broker } = await connected({ reconnect: { initialDelayMs: 10, maxDelayMs: 10 } });
        const setting = client.setStatus('away', 'lunch');
        broker.deliver(layout.presenceResult('alice'), statusResult(idOf(broker), 'away', { text: 'lunch' }));
        const watching = client.watch(['bob', 'carol']);
        broker.deliver(layout.presenceResult('alice'), watchResult(idOf(broker), 2));
        await Promise.all([setting, watching]);
        const before = broker.published.length;

        broker.drop();
        await new Promise((r) => setTimeout(r, 30));
        broker.accept();
        expect(broker.published).toHaveLength(before); // not before the subscription is back
        await flush();
        expect(broker.subscriptions).toHaveLength(2);
        expect(broker.subscriptions[1].filters).toEqual(expect.arrayContaining([layout.presenceResult('alice'), layout.presenceUpdated('alice', '+')]));
        expect(presenceOut(broker).slice(2)).toEqual([
          { topic: layout.presenceCommand('alice'), body: { status: 'away', text: 'lunch' } },
          { topic: layout.presenceWatch('alice'), body: { users: ['bob', 'carol'] } },
        ]);
        // Their results answer no one.
        broker.deliver(layout.presenceResult('alice'), statusResult(undefined, 'away', { text: 'lunch' }));
        expect(client.pendingCommands).toBe(0);

        await reconnect(broker); // and again after every reconnect
        expect(presenceOut(broker).slice(4).map((p) => p.body)).toEqual([{ status: 'away', text: 'lunch' }, { users: ['bob', 'carol'] }]);
        await client.close();
      });

      it('sends nothing again when nothing was set or watched', async () => {
        const { client, broker } = await connected({ reconnect: { initialDelayMs: 10, maxDelayMs: 10 } });
        await reconnect(broker);
        expect(broker.published).toHaveLength(0);
        await client.close();
      });

      it('sends again the list accepted before a refused one, not the refused one', async () => {
        const { client, broker } = await connected({ reconnect: { initialDelayMs: 10, maxDelayMs: 10 } });
        const first = client.watch(['bob']);
        broker.deliver(layout.presenceResult('alice'), watchResult(idOf(broker), 1));
        await first;
        const second = client.watch(['bob', 'carol']);
        broker.deliver(layout.presenceResult('alice'), { command: 'watch', command_id: idOf(broker), ok: false, code: RejectionCode.RATE_LIMITED, reason: 'slow down', timestamp: 3 });
        await expect(second).rejects.toMatchObject({ code: RejectionCode.RATE_LIMITED });
        await reconnect(broker);
        expect(presenceOut(broker).slice(2).map((p) => p.body)).toEqual([{ users: ['bob'] }]);
        await client.close();
      });

      it('sends a command that was out again with its command_id (not DISCONNECTED), and one made while away, then settles them', async () => {
        const { client, broker } = await connected({ reconnect: { initialDelayMs: 10, maxDelayMs: 10 } });
        const accepted = client.setStatus('busy');
        broker.deliver(layout.presenceResult('alice'), statusResult(idOf(broker), 'busy'));
        await accepted;
        const out = client.watch(['bob']);
        const outId = idOf(broker);
        broker.drop();
        const whileAway = client.setStatus('away', 'back soon');
        expect(presenceOut(broker)).toHaveLength(2); // nothing goes out while disconnected
        await new Promise((r) => setTimeout(r, 30));
        broker.accept();
        await flush();
        const again = presenceOut(broker).slice(2);
        expect(again).toEqual([
          { topic: layout.presenceWatch('alice'), body: { users: ['bob'], command_id: outId } },
          { topic: layout.presenceCommand('alice'), body: { status: 'away', text: 'back soon', command_id: expect.any(String) } },
        ]);
        broker.deliver(layout.presenceResult('alice'), watchResult(outId, 1));
        broker.deliver(layout.presenceResult('alice'), statusResult(again[1].body.command_id as string, 'away', { text: 'back soon' }));
        await expect(out).resolves.toMatchObject({ watched: 1 });
        await expect(whileAway).resolves.toMatchObject({ status: 'away', text: 'back soon' });
        await client.close();
      });
    });
  });

  describe('edits and deletes', () => {
    const ID = '01J0000000000000000000000A';
    const idOf = (broker: FakeTransport) => broker.lastBody().command_id as string;
    const answer = (broker: FakeTransport, over: Record<string, unknown>) =>
      broker.deliver(layout.messageResult('alice', 'bob', ID), { message_id: ID, command_id: idOf(broker), timestamp: 9, ...over });

    it('edits on the update topic and resolves with the engine\'s result', async () => {
      const { client, broker } = await connected();
      const editing = client.editMessage('bob', ID, 'fixed');
      expect(broker.published.at(-1)).toEqual({ topic: layout.messageUpdate('alice', 'bob', ID), payload: expect.any(String), qos: 1 });
      expect(broker.lastBody()).toEqual({ text: 'fixed', command_id: expect.any(String) });
      expect(client.pendingCommands).toBe(1);
      answer(broker, { ok: true, edited_at: 8 });
      await expect(editing).resolves.toMatchObject({ ok: true, edited_at: 8 });
      expect(client.pendingCommands).toBe(0);
    });

    it('deletes, and rejects with a MessageUpdateError carrying the engine\'s code', async () => {
      const { client, broker } = await connected();
      const deleting = client.deleteMessage('bob', ID);
      expect(broker.lastBody()).toEqual({ deleted: true, command_id: expect.any(String) });
      answer(broker, { ok: false, code: ErrorCode.EDIT_WINDOW_PASSED, reason: 'too late' });
      const error = await deleting.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MessageUpdateError);
      expect(error).toMatchObject({ code: ErrorCode.EDIT_WINDOW_PASSED, messageId: ID, local: false });
    });

    it('refuses a bad peer, message id or text without publishing', async () => {
      const { client, broker } = await connected();
      const before = broker.published.length;
      await expect(client.editMessage('bob/x', ID, 'a')).rejects.toMatchObject({ code: RejectionCode.INVALID_TOPIC, local: true });
      await expect(client.deleteMessage('bob', 'not-an-id')).rejects.toMatchObject({ code: RejectionCode.INVALID_TOPIC, local: true });
      await expect(client.editMessage('bob', ID, '')).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED, local: true });
      await expect(client.editMessage('bob', ID, 'x'.repeat(70_000))).rejects.toMatchObject({ code: RejectionCode.PAYLOAD_TOO_LARGE, local: true });
      expect(broker.published.length).toBe(before);
    });

    it('settles by command_id only: another device\'s result settles nothing; times out with TIMEOUT', async () => {
      jest.useFakeTimers();
      const { client, broker } = await connected({ sendTimeoutMs: 1000 });
      const editing = client.editMessage('bob', ID, 'fixed');
      broker.deliver(layout.messageResult('alice', 'bob', ID), { message_id: ID, command_id: 'other-device', ok: true, edited_at: 1, timestamp: 9 });
      expect(client.pendingCommands).toBe(1);
      const failed = editing.catch((e: unknown) => e);
      jest.advanceTimersByTime(1000);
      expect(await failed).toMatchObject({ code: ClientErrorCode.TIMEOUT });
    });

    it('sends an update that was out again after a reconnect, then settles it; CLOSED after close()', async () => {
      const { client, broker } = await connected();
      const deleting = client.deleteMessage('bob', ID);
      const first = broker.lastBody();
      broker.drop();
      broker.accept();
      await flush();
      expect(broker.lastBody()).toEqual(first);
      answer(broker, { ok: true, deleted_at: 3 });
      await expect(deleting).resolves.toMatchObject({ deleted_at: 3 });
      const waiting = client.editMessage('bob', ID, 'again');
      await client.close();
      await expect(waiting).rejects.toMatchObject({ code: ClientErrorCode.CLOSED });
    });

    it('emits edits and deletes of the user\'s conversations', async () => {
      const { client, broker } = await connected();
      const events: unknown[] = [];
      client.on('messageEdited', (n) => events.push(['edited', n.text]));
      client.on('messageDeleted', (n) => events.push(['deleted', n.message_id]));
      broker.deliver(layout.messageUpdated('alice', 'bob', ID), { message_id: ID, sender: 'bob', recipient: 'alice', text: 'new', edited_at: 1, timestamp: 2 });
      broker.deliver(layout.messageDeleted('alice', 'bob', ID), { message_id: ID, sender: 'bob', recipient: 'alice', deleted_at: 1, timestamp: 2 });
      broker.deliver(layout.messageDeleted('alice', 'bob', ID), { message_id: ID, sender: 'carol', recipient: 'alice', deleted_at: 1, timestamp: 2 });
      expect(events).toEqual([
        ['edited', 'new'],
        ['deleted', ID],
      ]);
      expect(client.stats.malformed).toBe(1);
    });
  });

  describe('typing', () => {
    const typingOut = (broker: FakeTransport) => broker.published.filter((p) => p.topic.endsWith('/typing')).map((p) => ({ topic: p.topic, body: JSON.parse(p.payload) as unknown, qos: p.qos }));

    it('publishes the state on the conversation\'s typing topic at QoS 0, to a user or a group', async () => {
      const { client, broker } = await connected();
      client.typing('bob');
      client.typing('group-01j0team', 'paused');
      expect(typingOut(broker)).toEqual([
        { topic: layout.typing('alice', 'bob'), body: { state: 'typing' }, qos: 0 },
        { topic: layout.typing('alice', 'group-01j0team'), body: { state: 'paused' }, qos: 0 },
      ]);
    });

    it('throttles: keystrokes make one indicator, and a pause right after still goes out', async () => {
      jest.useFakeTimers();
      const { client, broker } = await connected();
      for (let i = 0; i < 10; i++) client.typing('bob');
      client.typing('bob', 'paused');
      expect(typingOut(broker).map((p) => p.body)).toEqual([{ state: 'typing' }]);
      jest.advanceTimersByTime(600);
      expect(typingOut(broker).map((p) => p.body)).toEqual([{ state: 'typing' }, { state: 'paused' }]);
    });

    it('sends nothing while reconnecting or once closed, and refuses what is no conversation or state', async () => {
      const { client, broker } = await connected({ reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
      broker.drop();
      client.typing('bob');
      expect(typingOut(broker)).toEqual([]);
      expect(() => client.typing('bob/#')).toThrow(TypeError);
      expect(() => client.typing('bob', 'sleeping' as never)).toThrow(TypeError);
      await client.close();
      client.typing('bob');
      expect(typingOut(broker)).toEqual([]);
    });

    it('emits a typing event with the notice and the conversation, and ignores malformed ones', async () => {
      const { client, broker } = await connected();
      const seen: unknown[] = [];
      client.on('typing', (notice, peer) => seen.push({ notice, peer }));
      broker.deliver(layout.typingUpdated('alice', 'bob'), { user: 'bob', state: 'typing', timestamp: 5 });
      broker.deliver(layout.typingUpdated('alice', 'group-01j0team'), { user: 'carol', state: 'paused', timestamp: 6 });
      broker.deliver(layout.typingUpdated('alice', 'bob'), { user: 'mallory', state: 'typing', timestamp: 7 });
      expect(seen).toEqual([
        { notice: { user: 'bob', state: 'typing', timestamp: 5 }, peer: 'bob' },
        { notice: { user: 'carol', state: 'paused', timestamp: 6 }, peer: 'group-01j0team' },
      ]);
      expect(client.stats.malformed).toBe(1);
    });
  });

  describe('receipts', () => {
    const id = (n: number) => `01J${n.toString().padStart(23, '0')}`;
    const G = 'group-01j0team';
    const fromBob = (n: number, over: Partial<DeliveredMessage> = {}) =>
      copy({ text: `m${n}`, client_message_id: `b${n}` }, { sender: 'bob', recipient: 'alice', status: MessageStatus.DELIVERED, message_id: id(n), ...over });
    const inGroup = (n: number, over: Partial<DeliveredMessage> = {}) => fromBob(n, { recipient: G, channel_type: 'group', ...over });
    /** The receipts the client published, as [topic, message_id]. */
    const receiptsOut = (broker: FakeTransport) =>
      broker.published.filter((p) => /\/messages\/(delivered|read)$/.test(p.topic)).map((p) => [p.topic, (JSON.parse(p.payload) as { message_id: string }).message_id]);

    it('reports delivered by itself for messages from a user and in a group, coalesced and paced per conversation', async () => {
      const { client, broker } = await connected();
      jest.useFakeTimers();
      for (let n = 1; n <= 5; n++) broker.deliver(layout.clientAdded('alice', 'bob'), fromBob(n));
      broker.deliver(layout.clientAdded('alice', G), inGroup(6));
      // Each waits an interval (a read would replace it), then the highest of the conversation goes.
      expect(receiptsOut(broker)).toEqual([]);
      expect(client.pendingReceipts).toBe(2);
      jest.advanceTimersByTime(500);
      expect(receiptsOut(broker)).toEqual([
        [layout.delivered('alice', 'bob'), id(5)],
        [layout.delivered('alice', G), id(6)],
      ]);
      expect(broker.published.at(-1)?.qos).toBe(1);
      expect(client.pendingReceipts).toBe(0);
    });

    it("reports nothing for the user's own sent copies, a group's replayed history, duplicates, or ids not of the engine's making", async () => {
      const { broker } = await connected({ receiptIntervalMs: 20 });
      broker.deliver(layout.clientAdded('alice', 'bob'), copy({ text: 'mine' }, { message_id: id(1) }));
      broker.deliver(layout.clientAdded('alice', G), inGroup(2, { history: true }));
      broker.deliver(layout.clientAdded('alice', 'bob'), fromBob(3, { message_id: 'not-an-id' }));
      await new Promise((r) => setTimeout(r, 50));
      expect(receiptsOut(broker)).toEqual([]);
      broker.deliver(layout.clientAdded('alice', 'bob'), fromBob(4));
      broker.deliver(layout.clientAdded('alice', 'bob'), fromBob(4));
      await new Promise((r) => setTimeout(r, 50));
      expect(receiptsOut(broker)).toHaveLength(1);
    });

    it('reports nothing by itself with autoDelivered: false; markRead still works', async () => {
      const { client, broker } = await connected({ autoDelivered: false });
      broker.deliver(layout.clientAdded('alice', 'bob'), fromBob(1));
      expect(receiptsOut(broker)).toEqual([]);
      await client.markRead('bob', id(1));
      expect(receiptsOut(broker)).toEqual([[layout.read('alice', 'bob'), id(1)]]);
      expect(broker.lastBody()).toEqual({ message_id: id(1) });
    });

    it('skips the delivered receipt when a message listener marks the message read', async () => {
      const { client, broker } = await connected();
      client.on('message', (m) => void client.markRead(m.sender, m.message_id));
      broker.deliver(layout.clientAdded('alice', 'bob'), fromBob(1));
      expect(receiptsOut(broker)).toEqual([[layout.read('alice', 'bob'), id(1)]]);
    });

    it('markRead resolves once published, never publishes a lower one, and waits for its turn', async () => {
      const { client, broker } = await connected();
      await client.markRead('bob', id(5));
      await client.markRead('bob', id(3)); // below what was published: resolves, nothing goes out
      jest.useFakeTimers();
      let done = false;
      const next = client.markRead('bob', id(7)).then(() => (done = true));
      await Promise.resolve();
      expect(done).toBe(false);
      jest.advanceTimersByTime(500);
      await next;
      expect(receiptsOut(broker)).toEqual([
        [layout.read('alice', 'bob'), id(5)],
        [layout.read('alice', 'bob'), id(7)],
      ]);
    });

    it('refuses a bad peer or message id before publishing, and markRead on a closed client', async () => {
      const { client, broker } = await connected();
      await expect(client.markRead('bo/b', id(1))).rejects.toMatchObject({ name: 'ReceiptError', code: RejectionCode.INVALID_TOPIC, local: true });
      for (const bad of ['M1', '', id(1).toLowerCase(), `${id(1)}0`, 42 as unknown as string]) {
        await expect(client.markRead('bob', bad)).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED, local: true });
      }
      expect(receiptsOut(broker)).toEqual([]);
      await client.close();
      await expect(client.markRead('bob', id(1))).rejects.toMatchObject({ code: ClientErrorCode.CLOSED });
    });

    it("emits positions as receipts events, the conversation from the topic; the user's own stop lower receipts", async () => {
      const { client, broker } = await connected();
      const updates = jest.fn();
      client.on('receipts', updates);
      broker.deliver(layout.receiptsUpdated('alice', 'bob'), { user: 'bob', delivered_up_to: id(4), read_up_to: id(2), timestamp: 9 });
      broker.deliver(layout.receiptsUpdated('alice', G), { user: 'alice', delivered_up_to: id(8), read_up_to: id(8), timestamp: 10 });
      expect(updates.mock.calls).toEqual([
        [{ peer: 'bob', user: 'bob', delivered_up_to: id(4), read_up_to: id(2), timestamp: 9 }],
        [{ peer: G, user: 'alice', delivered_up_to: id(8), read_up_to: id(8), timestamp: 10 }],
      ]);
      // Another device of alice read the group up to 8: nothing at or below it goes out from here.
      broker.deliver(layout.clientAdded('alice', G), inGroup(7));
      await client.markRead(G, id(8));
      expect(receiptsOut(broker)).toEqual([]);
    });

    it('drops forged or malformed notices and refusals, counting them', async () => {
      const { client, broker } = await connected();
      const updates = jest.fn();
      const refusals = jest.fn();
      client.on('receipts', updates).on('receiptRefused', refusals);
      broker.deliver(layout.receiptsUpdated('alice', 'bob'), { user: 'carol', read_up_to: id(1), timestamp: 1 });
      broker.deliver(layout.receiptsUpdated('alice', G), { user: 'bob', read_up_to: id(1), timestamp: 1 });
      broker.deliver(layout.receiptsUpdated('alice', 'bob'), { user: 'bob', read_up_to: '../../x', timestamp: 1 });
      broker.deliverRaw(layout.receiptsUpdated('alice', 'bob'), Buffer.from('{"user":'));
      broker.deliver(layout.receiptsResult('alice', 'bob'), { receipt: 'read', ok: true, timestamp: 1 });
      broker.deliver(layout.receiptsUpdated('carol', 'bob'), { user: 'bob', read_up_to: id(1), timestamp: 1 });
      expect(updates).not.toHaveBeenCalled();
      expect(refusals).not.toHaveBeenCalled();
      expect(client.stats.malformed).toBe(5);
    });

    it('emits a refusal as receiptRefused; one for the id it published lets a lower one go out', async () => {
      const { client, broker } = await connected();
      const refusals = jest.fn();
      client.on('receiptRefused', refusals);
      await client.markRead('bob', id(9));
      const refusal = { receipt: 'read', message_id: id(9), ok: false, code: ErrorCode.MESSAGE_NOT_FOUND, reason: 'no message', timestamp: 3 };
      broker.deliver(layout.receiptsResult('alice', 'bob'), refusal);
      expect(refusals).toHaveBeenCalledWith({ peer: 'bob', receipt: 'read', messageId: id(9), code: ErrorCode.MESSAGE_NOT_FOUND, reason: 'no message', timestamp: 3 });
      jest.useFakeTimers();
      const lower = client.markRead('bob', id(4));
      jest.advanceTimersByTime(500);
      await lower;
      expect(receiptsOut(broker).at(-1)).toEqual([layout.read('alice', 'bob'), id(4)]);
    });

    it('holds receipts while reconnecting; once back, they go out, with the last unconfirmed one again', async () => {
      const { client, broker } = await connected({ reconnect: { initialDelayMs: 10, maxDelayMs: 10 }, receiptIntervalMs: 20 });
      broker.deliver(layout.clientAdded('alice', 'bob'), fromBob(1)); // out, no notice: perhaps lost
      broker.deliver(layout.clientAdded('alice', 'carol'), fromBob(2, { sender: 'carol' }));
      await new Promise((r) => setTimeout(r, 50));
      broker.deliver(layout.receiptsUpdated('alice', 'carol'), { user: 'alice', delivered_up_to: id(2), timestamp: 1 });
      broker.drop();
      const reading = client.markRead('dan', id(3));
      expect(receiptsOut(broker)).toHaveLength(2);
      expect(client.pendingReceipts).toBe(1);
      await new Promise((r) => setTimeout(r, 30));
      broker.accept();
      expect(receiptsOut(broker)).toHaveLength(2); // not before the subscription is back
      await flush();
      await reading;
      expect(receiptsOut(broker).slice(2)).toEqual([
        [layout.delivered('alice', 'bob'), id(1)],
        [layout.read('alice', 'dan'), id(3)],
      ]);
      await client.close();
    });

    it('fails a markRead still waiting when the client closes', async () => {
      const { client, broker } = await connected();
      broker.drop();
      const reading = client.markRead('bob', id(1));
      await client.close();
      await expect(reading).rejects.toMatchObject({ code: ClientErrorCode.CLOSED, peer: 'bob' });
      expect(receiptsOut(broker)).toEqual([]);
    });

    it.each([[{ autoDelivered: 'yes' as unknown as boolean }, /autoDelivered must be a boolean/], [{ receiptIntervalMs: 0 }, /receiptIntervalMs must be a positive integer/]])(
      'refuses bad receipt options %p',
      async (bad, message) => {
        await expect(ChatClient.connect({ url: 'mqtt://x', userId: 'alice', token: 't', transport: jest.fn(), ...bad })).rejects.toThrow(message);
      },
    );
  });

  describe('archive', () => {
    const G = 'group-01j0team';
    const notice = (peer: string, archived: boolean) => ({ peer, archived, timestamp: 5 });
    const refusal = (action: string, code: string = ErrorCode.MESSAGE_NOT_FOUND) => ({ action, ok: false, code, reason: 'no conversation', timestamp: 5 });

    it('archives on the archive topic and resolves with the notice all devices get, which it also emits', async () => {
      const { client, broker } = await connected();
      const events: unknown[] = [];
      client.on('conversationUpdated', (n) => events.push(n));
      const archiving = client.archive('bob');
      expect(broker.published.at(-1)).toEqual({ topic: layout.archive('alice', 'bob'), payload: '{}', qos: 1 });
      expect(client.pendingCommands).toBe(1);
      broker.deliver(layout.conversationUpdated('alice', 'bob'), notice('bob', true));
      await expect(archiving).resolves.toEqual(notice('bob', true));
      expect(events).toEqual([notice('bob', true)]);
      const unarchiving = client.unarchive(G);
      expect(broker.published.at(-1)?.topic).toBe(layout.unarchive('alice', G));
      // A notice of the other state, or of another conversation, is no answer.
      broker.deliver(layout.conversationUpdated('alice', G), notice(G, true));
      broker.deliver(layout.conversationUpdated('alice', 'bob'), notice('bob', false));
      expect(client.pendingCommands).toBe(1);
      broker.deliver(layout.conversationUpdated('alice', G), notice(G, false));
      await expect(unarchiving).resolves.toEqual(notice(G, false));
      expect(events).toHaveLength(4);
    });

    it("rejects with a ConversationCommandError carrying the engine's code, for the refused action only", async () => {
      const { client, broker } = await connected();
      const archiving = client.archive('ghost');
      const unarchiving = client.unarchive('ghost');
      broker.deliver(layout.conversationResult('alice', 'ghost'), refusal('unarchive'));
      await expect(unarchiving).rejects.toBeInstanceOf(ConversationCommandError);
      await expect(unarchiving).rejects.toMatchObject({ code: ErrorCode.MESSAGE_NOT_FOUND, peer: 'ghost', action: 'unarchive', local: false });
      broker.deliver(layout.conversationResult('alice', 'ghost'), refusal('archive', RejectionCode.RATE_LIMITED));
      await expect(archiving).rejects.toMatchObject({ code: RejectionCode.RATE_LIMITED, action: 'archive' });
      expect(client.pendingCommands).toBe(0);
    });

    it('refuses a peer that is no user or group id before publishing, and times out', async () => {
      const { client, broker } = await connected();
      const before = broker.published.length;
      await expect(client.archive('bad/peer')).rejects.toMatchObject({ code: RejectionCode.INVALID_TOPIC, local: true });
      await expect(client.unarchive('')).rejects.toMatchObject({ code: RejectionCode.INVALID_TOPIC, local: true });
      expect(broker.published).toHaveLength(before);
      await expect(client.archive('bob', { timeoutMs: 0 })).rejects.toThrow(TypeError);
      jest.useFakeTimers();
      const waiting = client.archive('bob', { timeoutMs: 50 });
      jest.advanceTimersByTime(50);
      await expect(waiting).rejects.toMatchObject({ code: ClientErrorCode.TIMEOUT, peer: 'bob', action: 'archive', local: true });
      expect(client.pendingCommands).toBe(0);
    });

    it('drops a malformed notice or result, and ignores its own commands coming back', async () => {
      const { client, broker } = await connected();
      const events = jest.fn();
      client.on('conversationUpdated', events);
      const archiving = client.archive('bob');
      broker.deliver(layout.conversationUpdated('alice', 'bob'), { peer: 'carol', archived: true, timestamp: 1 });
      broker.deliver(layout.conversationUpdated('alice', 'bob'), { peer: 'bob', archived: 'yes', timestamp: 1 });
      broker.deliver(layout.conversationResult('alice', 'bob'), { action: 'archive', ok: false, code: 'NOPE', reason: 'x', timestamp: 1 });
      broker.deliver(layout.archive('alice', 'bob'), {});
      expect(events).not.toHaveBeenCalled();
      expect(client.stats).toMatchObject({ malformed: 3, echoes: 1 });
      expect(client.pendingCommands).toBe(1);
      await client.close();
      await expect(archiving).rejects.toMatchObject({ code: ClientErrorCode.CLOSED });
      await expect(client.archive('bob')).rejects.toMatchObject({ code: ClientErrorCode.CLOSED });
    });

    it('sends a command that was out, or made while away, again after a reconnect', async () => {
      const { client, broker } = await connected({ reconnect: { initialDelayMs: 10, maxDelayMs: 10 } });
      const out = client.archive('bob');
      broker.drop();
      const whileAway = client.unarchive('carol');
      const archives = () => broker.published.filter((p) => p.topic.includes('/conversations/')).map((p) => p.topic);
      expect(archives()).toEqual([layout.archive('alice', 'bob')]);
      await new Promise((r) => setTimeout(r, 30));
      broker.accept();
      await flush();
      expect(archives()).toEqual([layout.archive('alice', 'bob'), layout.archive('alice', 'bob'), layout.unarchive('alice', 'carol')]);
      broker.deliver(layout.conversationUpdated('alice', 'bob'), notice('bob', true));
      broker.deliver(layout.conversationUpdated('alice', 'carol'), notice('carol', false));
      await expect(out).resolves.toMatchObject({ archived: true });
      await expect(whileAway).resolves.toMatchObject({ archived: false });
      await client.close();
    });
  });
});
