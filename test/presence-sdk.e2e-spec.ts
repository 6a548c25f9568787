// The client SDK's presence against the real broker and engine: a watcher sees another user come
// online, set a status, and go offline; and the SDK's watch list and status survive a reconnect
// (docs/presence.md, libs/client/README.md).
import { ChatClient, ChatClientOptions, connect, ConnectionState, ErrorCode, PresenceNotice } from '@app/client';
import { adminApi, AdminApi } from './support/admin-api';
import { uid, userToken } from './support/broker';
import { EngineProcess, startEngine } from './support/engine';
import { nextEvent } from './support/next-event';
import { dropConnection, registerUser } from './support/sdk-users';
import { servers } from './support/test-env';

describe('client SDK presence against the real broker and engine', () => {
  let engine: EngineProcess;
  let api: AdminApi;
  const clients: ChatClient[] = [];

  async function connectAs(userId: string, options: Partial<ChatClientOptions> = {}): Promise<ChatClient> {
    const client = await connect({ url: servers.mqttUrl, userId, token: userToken(userId), getToken: () => userToken(userId), ...options });
    clients.push(client);
    return client;
  }

  /** The next notice about `user` that passes the filter. */
  function presenceOf(watcher: ChatClient, user: string, filter: (p: PresenceNotice) => boolean = () => true): Promise<PresenceNotice> {
    return nextEvent<PresenceNotice>((l) => watcher.on('presence', l), (p) => p.user === user && filter(p));
  }

  beforeAll(async () => {
    engine = await startEngine('presence-sdk');
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await engine?.stop();
  });

  it('shows a watched user offline, online once connected, away with a text after setStatus, and offline after close', async () => {
    const [aliceId, bobId] = [await registerUser(api, 'alice'), await registerUser(api, 'bob')];
    const alice = await connectAs(aliceId);

    const before = presenceOf(alice, bobId);
    await expect(alice.watch([bobId])).resolves.toMatchObject({ command: 'watch', ok: true, watched: 1 });
    expect(await before).toMatchObject({ user: bobId, status: 'offline' });

    const online = presenceOf(alice, bobId, (p) => p.status === 'online');
    const bob = await connectAs(bobId);
    expect((await online).last_seen_at).toBeUndefined();

    const away = presenceOf(alice, bobId, (p) => p.status === 'away');
    await expect(bob.setStatus('away', 'at lunch')).resolves.toMatchObject({ command: 'status', ok: true, status: 'away', text: 'at lunch' });
    expect(await away).toMatchObject({ user: bobId, status: 'away', text: 'at lunch' });

    const offline = presenceOf(alice, bobId, (p) => p.status === 'offline');
    const closedAt = Date.now();
    await bob.close();
    const gone = await offline;
    expect(gone.text).toBeUndefined();
    expect(gone.last_seen_at).toBeGreaterThanOrEqual(closedAt - 1000);
  });

  it('refuses a bad watch list locally and an unknown user is watched anyway', async () => {
    const aliceId = await registerUser(api, 'alice');
    const alice = await connectAs(aliceId);
    await expect(alice.watch(['not/a/user'])).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED, local: true, command: 'watch' });
    const ghost = uid('ghost');
    const shown = presenceOf(alice, ghost);
    await expect(alice.watch([ghost])).resolves.toMatchObject({ ok: true, watched: 1, unknown: [ghost] });
    expect(await shown).toMatchObject({ user: ghost, status: 'offline' });
  });

  it('sends the watch list and the status again after a reconnect (the engine dropped both with the last connection)', async () => {
    const [aliceId, bobId] = [await registerUser(api, 'alice'), await registerUser(api, 'bob')];
    const reconnect = { initialDelayMs: 100, maxDelayMs: 1000 };
    const alice = await connectAs(aliceId, { reconnect });
    const bob = await connectAs(bobId, { reconnect });
    const seen = presenceOf(alice, bobId, (p) => p.status === 'online');
    await alice.watch([bobId]);
    await seen;
    await bob.setStatus('busy', 'in a meeting');

    // Alice's only connection closes: the engine forgets her list. Once back, the SDK sends it
    // again, and the engine answers it with Bob's current presence.
    const states: ConnectionState[] = [];
    alice.on('state', (s) => states.push(s));
    const backAgain = nextEvent<ConnectionState>((l) => alice.on('state', l), (s) => s === 'connected');
    const current = presenceOf(alice, bobId, () => states.includes('connected'));
    await dropConnection(api, alice);
    await backAgain;
    expect(states).toEqual(['reconnecting', 'connected']);
    expect(await current).toMatchObject({ user: bobId, status: 'busy', text: 'in a meeting' });
    // ... and every change after it.
    const away = presenceOf(alice, bobId, (p) => p.status === 'away');
    await bob.setStatus('away');
    expect(await away).toMatchObject({ user: bobId, status: 'away' });
    expect((await away).text).toBeUndefined();

    // Bob's only connection closes: the engine forgets his status; the SDK sets it again once back.
    const offline = presenceOf(alice, bobId, (p) => p.status === 'offline');
    const awayAgain = offline.then(() => presenceOf(alice, bobId, (p) => p.status === 'away'));
    await dropConnection(api, bob);
    await offline;
    expect(await awayAgain).toMatchObject({ user: bobId, status: 'away' });
    expect(bob.state).toBe('connected');
    expect(alice.pendingCommands + bob.pendingCommands).toBe(0);
  });
});
