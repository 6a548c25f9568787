import { connect as netConnect, Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { AdminApi, adminApi } from './support/admin-api';
import { layout, userToken } from './support/broker';
import { closeTestDb, eventually } from './support/database';
import { EngineProcess, startEngine } from './support/engine';
import { device, Device, register, sleep, watcher, Watcher, WS_URL } from './support/presence';
import { servers } from './support/test-env';

/** An MQTT client that connects, then says nothing more: the broker closes it after 1.5-3 x keepalive. */
async function silentClient(user: string, keepaliveSeconds: number): Promise<Socket> {
  const url = new URL(servers.mqttUrl);
  const socket = netConnect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const packet = mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId: `${user}~silent`,
    keepalive: keepaliveSeconds,
    username: user,
    password: Buffer.from(userToken(user)),
  });
  socket.write(packet);
  await new Promise<void>((resolve) => socket.once('data', () => resolve())); // CONNACK
  socket.on('error', () => undefined);
  return socket;
}

describe('presence: who is online, from the broker\'s connection events', () => {
  let engine: EngineProcess;
  let api: AdminApi;
  const devices: Device[] = [];
  const sockets: Socket[] = [];

  const open = async (...args: Parameters<typeof device>) => {
    const d = await device(...args);
    devices.push(d);
    return d;
  };
  const watching = async (name: string, users: string[]): Promise<Watcher> => {
    const w = await watcher(await register(api, name));
    devices.push(w.device);
    expect(await w.watch(users)).toMatchObject({ command: 'watch', ok: true, watched: users.length });
    return w;
  };
  const presence = async (user: string, url = engine.url) => (await adminApi(url).get(`users/${user}/presence`)).body;

  beforeAll(async () => {
    engine = await startEngine('presence', { MAX_CONNECTIONS_PER_USER: '3' });
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    for (const d of devices) d.client.end(true);
    for (const s of sockets) s.destroy();
    await engine?.stop();
    await closeTestDb();
  });

  it('one device: online on connect, offline within a second of a clean disconnect, with last_seen_at', async () => {
    const alice = await register(api, 'alice');
    const w = await watching('w1', [alice]);
    await w.waitFor(alice, 'offline'); // the current state, at once
    const phone = await open(alice);
    await w.waitFor(alice, 'online');
    // The admin API reads the stored state, stored just after the watchers were told.
    await eventually(async () => (await presence(alice)).status === 'online', 5000, 'stored online');
    expect(await presence(alice)).toMatchObject({ user_id: alice, status: 'online', connection_count: 1 });
    const t = Date.now();
    await phone.client.endAsync();
    const seen = await w.waitFor(alice, 'offline', 5000, t);
    expect(seen - t).toBeLessThan(1000);
    const last = w.notices(alice).at(-1)!;
    expect(last.last_seen_at).toBeGreaterThanOrEqual(t - 50);
    await eventually(async () => (await presence(alice)).status === 'offline', 5000, 'stored offline');
    expect((await presence(alice)).last_seen_at).toBe(last.last_seen_at);
  });

  it('two devices (MQTT and Web-MQTT): online until both are gone', async () => {
    const bob = await register(api, 'bob');
    const w = await watching('w2', [bob]);
    const phone = await open(bob);
    const browser = await open(bob, { url: WS_URL });
    await w.waitFor(bob, 'online');
    await eventually(async () => (await presence(bob)).connection_count === 2, 5000, 'two connections');
    const listed = (await api.get(`users/${bob}/connections`)).body.connections;
    expect(listed.map((c: { protocol: string }) => c.protocol).sort()).toEqual(['mqtt', 'web-mqtt']);
    expect(listed[0]).toMatchObject({ user_id: bob, id: expect.stringMatching(/^[\w-]{22}$/), peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/), connected_at: expect.any(Number) });
    await phone.client.endAsync();
    await sleep(700);
    const closing = Date.now();
    await browser.client.endAsync();
    await w.waitFor(bob, 'offline', 5000, closing);
    expect(w.statuses(bob)).toEqual(['offline', 'online', 'offline']);
  });

  it('a killed client (socket destroyed) and a silent one (keepalive expiry) go offline', async () => {
    const carol = await register(api, 'carol');
    const dan = await register(api, 'dan');
    const w = await watching('w3', [carol, dan]);
    const killed = await open(carol);
    await w.waitFor(carol, 'online');
    const t = Date.now();
    killed.client.stream.destroy();
    expect((await w.waitFor(carol, 'offline', 5000, t)) - t).toBeLessThan(1000);

    const silent = await silentClient(dan, 1);
    sockets.push(silent);
    const since = Date.now();
    await w.waitFor(dan, 'online');
    // The broker gives a silent peer 1.5-3 x its keepalive, and the engine adds at most a second.
    const gone = await w.waitFor(dan, 'offline', 10_000, since + 100);
    expect(gone - since).toBeLessThan(3 * 1000 + 1000 + 500);
  });

  it('a client-id takeover shows no flap to a watcher', async () => {
    const erin = await register(api, 'erin');
    const w = await watching('w4', [erin]);
    const clientId = `${erin}~phone`;
    const first = await open(erin, { clientId });
    await w.waitFor(erin, 'online');
    for (let i = 0; i < 3; i++) await open(erin, { clientId }); // each takes the id over from the last
    await first.closed;
    await sleep(2500); // past the engine's takeover grace
    expect(w.statuses(erin)).toEqual(['offline', 'online']);
    expect((await presence(erin)).connection_count).toBe(1);
  });

  it("lists a connection made with alice's token and the username bob under alice; bob's disconnect leaves it, alice's closes it", async () => {
    const alice = await register(api, 'alice2');
    const bob = await register(api, 'bob2');
    const aliceAsBob = await open(alice, { username: bob });
    await eventually(async () => (await api.get(`users/${alice}/connections`)).body.connections?.length === 1, 5000, 'listed under alice');
    expect((await api.get(`users/${bob}/connections`)).body.connections).toEqual([]);
    expect((await api.post(`users/${bob}/disconnect`)).body).toEqual({ closed: 0 });
    await sleep(300);
    expect(aliceAsBob.client.connected).toBe(true);
    expect((await api.post(`users/${alice}/disconnect`)).body).toEqual({ closed: 1 });
    await aliceAsBob.closed;
  });

  it('closes one connection by its id, and 404s an unknown one', async () => {
    const fay = await register(api, 'fay');
    const [a, b] = [await open(fay), await open(fay)];
    const listed = await eventually(async () => {
      const c = (await api.get(`users/${fay}/connections`)).body.connections;
      return c?.length === 2 ? c : null;
    }, 5000, 'two listed');
    expect((await api.delete(`users/${fay}/connections/${listed[0].id}`)).status).toBe(204);
    await Promise.race([a.closed, b.closed]);
    expect([a.client.connected, b.client.connected].filter(Boolean)).toHaveLength(1);
    expect((await api.delete(`users/${fay}/connections/${listed[0].id}`)).body.code).toBe('NOT_FOUND');
    expect((await api.delete(`users/${fay}/connections/nope`)).status).toBe(404);
  });

  it('closes the oldest connection beyond MAX_CONNECTIONS_PER_USER (3 here)', async () => {
    const gus = await register(api, 'gus');
    const first = await open(gus);
    await sleep(20);
    const rest = [await open(gus), await open(gus)];
    await sleep(200);
    await open(gus);
    await first.closed;
    expect(rest.every((d) => d.client.connected)).toBe(true);
  });

  it('status changes, text and invisible reach watchers; invisible shows offline; admins see and set it', async () => {
    const hal = await register(api, 'hal');
    const w = await watching('w5', [hal]);
    const me = await watcher(hal);
    devices.push(me.device);
    await w.waitFor(hal, 'online');
    expect(await me.setStatus({ status: 'away', text: 'lunch' })).toMatchObject({ command: 'status', ok: true, status: 'away', text: 'lunch' });
    await w.waitFor(hal, 'away');
    expect(w.notices(hal).at(-1)).toMatchObject({ status: 'away', text: 'lunch' });
    const hidden = Date.now();
    await me.setStatus({ status: 'invisible' });
    await w.waitFor(hal, 'offline', 5000, hidden);
    expect(w.notices(hal).at(-1)).not.toHaveProperty('text');
    await eventually(async () => (await presence(hal)).status === 'invisible', 5000, 'admin sees invisible');

    const put = await api.put(`users/${hal}/presence`, { status: 'busy', text: 'in a call' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ status: 'busy', text: 'in a call', connection_count: 1 });
    await w.waitFor(hal, 'busy');
    // A status lasts until the last connection closes.
    const closing = Date.now();
    await me.device.client.endAsync();
    await w.waitFor(hal, 'offline', 5000, closing);
    const reopening = Date.now();
    const again = await open(hal);
    await w.waitFor(hal, 'online', 5000, reopening);
    await eventually(async () => (await presence(hal)).status === 'online', 5000, 'stored online');
    expect((await presence(hal)).text).toBeUndefined();
    again.client.end(true);
    await eventually(async () => (await presence(hal)).status === 'offline', 5000, 'offline');
    expect((await api.put(`users/${hal}/presence`, { status: 'busy' })).body.code).toBe('CONFLICT');
  });

  it('a block, either way, hides each from the other (offline), and lifting it shows them again', async () => {
    const ivy = await register(api, 'ivy');
    const w = await watching('w6', [ivy]);
    await open(ivy);
    await w.waitFor(ivy, 'online');
    const t = Date.now();
    expect((await api.put(`users/${ivy}/blocks/${w.id}`, {})).status).toBe(201);
    await w.waitFor(ivy, 'offline', 5000, t);
    expect(w.notices(ivy).at(-1)).toEqual({ user: ivy, status: 'offline', timestamp: expect.any(Number), at: expect.any(Number) });
    expect((await w.watch([ivy])).ok).toBe(true); // a new watch shows offline too
    await sleep(300);
    expect(w.statuses(ivy).at(-1)).toBe('offline');
    const lifted = Date.now();
    expect((await api.delete(`users/${ivy}/blocks/${w.id}`)).status).toBe(204);
    await w.waitFor(ivy, 'online', 5000, lifted);
  });

  it('replaces the watch list, names unknown users, and refuses bad commands with a clear result', async () => {
    const jo = await register(api, 'jo');
    const kim = await register(api, 'kim');
    const w = await watching('w7', [jo]);
    const r = await w.watch([kim, 'nobody-here'], 'replace');
    expect(r).toMatchObject({ ok: true, command_id: 'replace', watched: 2, unknown: ['nobody-here'] });
    const t = Date.now();
    await open(jo);
    await open(kim);
    await w.waitFor(kim, 'online', 5000, t);
    await sleep(500);
    expect(w.notices(jo).filter((n) => n.at >= t)).toEqual([]); // jo is no longer watched

    const bad = async (topic: string, body: string) => {
      await w.device.client.publishAsync(topic, body, { qos: 1 });
      const [hit] = await w.inbox.waitFor(1, (m) => m.topic === layout.presenceResult(w.id) && m.payload.ok === false && !seen.has(m), 5000);
      seen.add(hit);
      return hit.payload;
    };
    const seen = new Set<unknown>();
    expect(await bad(layout.presenceWatch(w.id), '{"users": [')).toMatchObject({ command: 'watch', code: 'INVALID_PAYLOAD' });
    expect(await bad(layout.presenceWatch(w.id), JSON.stringify({ users: Array.from({ length: 501 }, (_, i) => `u${i}`) }))).toMatchObject({ code: 'VALIDATION_FAILED', reason: 'at most 500 users' });
    expect(await bad(layout.presenceWatch(w.id), JSON.stringify({ users: ['a.b'] }))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await bad(layout.presenceWatch(w.id), JSON.stringify({ users: [{ $gt: '' }] }))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await bad(layout.presenceCommand(w.id), JSON.stringify({ status: 'sleeping', command_id: 'bad-1' }))).toMatchObject({ command: 'status', command_id: 'bad-1', code: 'VALIDATION_FAILED' });
    expect(await bad(layout.presenceCommand(w.id), JSON.stringify({ status: 'away', text: 'x'.repeat(141) }))).toMatchObject({ code: 'VALIDATION_FAILED' });
    // Over the engine's MAX_PAYLOAD_BYTES (64 KiB), under the broker's limit.
    expect(await bad(layout.presenceCommand(w.id), 'x'.repeat(66_000))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    // The list kept is the last good one, and the engine still answers.
    expect(await w.watch([kim])).toMatchObject({ ok: true, watched: 1 });

    for (const [body, status] of [[{ status: 'dancing' }, 400], [{ status: 'away', text: 7 }, 400], [{}, 400]] as const) {
      expect((await api.put(`users/${jo}/presence`, body)).status).toBe(status);
    }
    expect((await api.post('presence/query', { user_ids: Array.from({ length: 1001 }, (_, i) => `u${i}`) })).status).toBe(400);
    expect((await api.post('presence/query', { user_ids: ['a/b'] })).status).toBe(400);
    expect((await api.get('users/nobody-at-all/presence')).body.code).toBe('USER_NOT_FOUND');
    const q = await api.post('presence/query', { user_ids: [jo, kim, jo, 'nobody-here'] });
    expect(q.body.presence.map((p: { user_id: string; status: string }) => [p.user_id, p.status])).toEqual([[jo, 'online'], [kim, 'online'], ['nobody-here', 'offline']]);
  });

  it('drops a watch list when all the watcher\'s connections close', async () => {
    const lu = await register(api, 'lu');
    const w = await watching('w8', [lu]);
    await w.device.client.endAsync();
    const w2 = await watcher(w.id);
    devices.push(w2.device);
    await sleep(300);
    await open(lu);
    await sleep(800);
    expect(w2.notices(lu)).toEqual([]);
  });

  it('survives an engine restart with no false offline, and keeps the watch lists', async () => {
    const mo = await register(api, 'mo');
    const w = await watching('w9', [mo]);
    const mine = await open(mo);
    await w.waitFor(mo, 'online');
    await engine.stop();
    engine = await startEngine('presence-2', { MAX_CONNECTIONS_PER_USER: '3' });
    api = adminApi(engine.url);
    await sleep(1500);
    expect(w.statuses(mo)).toEqual(['offline', 'online']);
    expect(await presence(mo)).toMatchObject({ status: 'online', connection_count: 1 });
    const t = Date.now();
    await mine.client.endAsync();
    await w.waitFor(mo, 'offline', 5000, t);
  });

  it('with two engine instances: both answer the same presence, and a watcher hears each change once', async () => {
    const second = await startEngine('presence-b', { MAX_CONNECTIONS_PER_USER: '3' });
    try {
      const ned = await register(api, 'ned');
      const w = await watching('w10', [ned]);
      const d = await open(ned);
      await w.waitFor(ned, 'online');
      await eventually(async () => (await presence(ned, second.url)).status === 'online', 5000, 'second instance answers online');
      expect(await presence(ned, engine.url)).toEqual(await presence(ned, second.url));
      const closing = Date.now();
      await d.client.endAsync();
      await w.waitFor(ned, 'offline', 5000, closing);
      await sleep(500);
      expect(w.statuses(ned)).toEqual(['offline', 'online', 'offline']);
    } finally {
      await second.stop();
    }
  });
});
