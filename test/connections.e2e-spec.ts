import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mqtt, { MqttClient } from 'mqtt';
import { AdminApi, adminApi } from './support/admin-api';
import { collectInbox, Inbox, layout, uid } from './support/broker';
import { closeTestDb } from './support/database';
import { EngineProcess, startEngine } from './support/engine';
import { servers, TEST_STACK } from './support/test-env';

const WS_URL = `ws://127.0.0.1:${TEST_STACK.STACK_WS_MQTT_PORT}/ws`;

interface Conn {
  client: MqttClient;
  clientId: string;
  /** Resolves with the time the connection closed. */
  closed: Promise<number>;
  isOpen(): boolean;
}

/**
 * Connects over MQTT (or MQTT over WebSocket) with a token, any typed username and any client id,
 * as an attacker would; no auto-reconnect, so a closed connection stays closed.
 */
async function connect(token: string, username: string, clientId: string, url = servers.mqttUrl, rogue = false): Promise<Conn> {
  const client = mqtt.connect(url, { username, password: token, clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 });
  client.on('error', () => undefined);
  let open = false;
  const closed = new Promise<number>((resolve) => client.once('close', () => resolve(Date.now())));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve((open = true) && undefined));
    // A rule breaker may be closed by the engine's guard before the client has read its CONNACK.
    void closed.then(() => (rogue ? resolve() : reject(new Error(`${clientId}: closed before CONNACK`))));
  });
  void closed.then(() => (open = false));
  return { client, clientId, closed, isOpen: () => open };
}

/** Resolves with how long after `since` the connection closed, or 'open' if it still is after `waitMs`. */
async function closedWithin(conn: Conn, since: number, waitMs = 3000): Promise<number | 'open'> {
  let timer: NodeJS.Timeout | undefined;
  const at = await Promise.race([conn.closed, new Promise<'open'>((r) => (timer = setTimeout(() => r('open'), waitMs)))]);
  clearTimeout(timer);
  return at === 'open' ? 'open' : at - since;
}

const device = () => randomBytes(6).toString('hex');

describe('connections: closed by the identity in the token, whatever the client typed', () => {
  let engine: EngineProcess;
  let api: AdminApi;
  const conns: Conn[] = [];

  const register = async (name: string) => {
    const id = uid(name);
    expect((await api.put(`users/${id}`, { display_name: name })).status).toBe(201);
    const issued = await api.post(`users/${id}/tokens`, {});
    expect(issued.status).toBe(201);
    return { id, token: issued.body.token as string };
  };
  const open = async (token: string, username: string, clientId: string, url?: string, rogue = false) => {
    const conn = await connect(token, username, clientId, url, rogue);
    conns.push(conn);
    return conn;
  };

  beforeAll(async () => {
    engine = await startEngine('connections');
    api = adminApi(engine.url);
  });

  afterAll(async () => {
    for (const c of conns) c.client.end(true);
    await engine?.stop();
    await closeTestDb();
  });

  it('closes a connection whose client id breaks the rule as soon as it connects (A\'s token, client id "x"), with no admin call', async () => {
    const a = await register('alice');
    const start = Date.now();
    const rogue = await open(a.token, a.id, 'x', undefined, true);
    expect(await closedWithin(rogue, start)).toBeLessThan(1000);
    // Also another user's id, a prefix without the separator, and over WebSocket.
    const b = await register('bob');
    for (const [clientId, url] of [[`${b.id}~${device()}`, servers.mqttUrl], [`${a.id}${device()}`, servers.mqttUrl], ['x', WS_URL]]) {
      const t = Date.now();
      const c = await open(a.token, a.id, clientId, url, true);
      expect([clientId, await closedWithin(c, t)]).toEqual([clientId, expect.any(Number)]);
    }
  });

  it("leaves the user's ordinary connections alone (rule kept, any typed username)", async () => {
    const a = await register('carol');
    const own = await open(a.token, a.id, `${a.id}~${device()}`);
    const typedOther = await open(a.token, 'someone-else', `${a.id}~${device()}`);
    const ws = await open(a.token, a.id, `${a.id}~${device()}`, WS_URL);
    await new Promise((r) => setTimeout(r, 1500));
    expect([own.isOpen(), typedOther.isOpen(), ws.isOpen()]).toEqual([true, true, true]);
  });

  it.each([
    ['POST /users/{id}/disconnect', (api: AdminApi, id: string) => api.post(`users/${id}/disconnect`)],
    ['disabling the user', (api: AdminApi, id: string) => api.put(`users/${id}/status`, { disabled: true, reason: 'test' })],
  ])("%s closes, within 1 s, every connection made with the user's token, also one made a moment before; never another user's", async (_name, call) => {
    const a = await register('dave');
    const b = await register('erin');
    // B is connected as themselves, and A's token is used with B's name as the MQTT username.
    const bOwn = await open(b.token, b.id, `${b.id}~${device()}`);
    const aAsB = await open(a.token, b.id, `${a.id}~${device()}`);
    const aWs = await open(a.token, a.id, `${a.id}~${device()}`, WS_URL);
    await new Promise((r) => setTimeout(r, 6000)); // older than the management API's statistics lag
    const aFresh = await open(a.token, 'anyone', `${a.id}~${device()}`); // a moment before the call

    const start = Date.now();
    const res = await call(api, a.id);
    expect(res.status).toBe(200);
    const times = await Promise.all([aAsB, aWs, aFresh].map((c) => closedWithin(c, start)));
    for (const t of times) expect(t).toBeLessThan(1000);
    if (res.body.closed !== undefined) expect(res.body.closed).toBe(3);
    await new Promise((r) => setTimeout(r, 500));
    expect(bOwn.isOpen()).toBe(true);
  });

  it("disabling B, whose name A typed as the MQTT username, leaves A's connections alone", async () => {
    const a = await register('frank');
    const b = await register('grace');
    const aAsB = await open(a.token, b.id, `${a.id}~${device()}`);
    const aOwn = await open(a.token, a.id, `${a.id}~${device()}`);
    const bOwn = await open(b.token, b.id, `${b.id}~${device()}`);
    await new Promise((r) => setTimeout(r, 6000)); // listed by the management API too

    const start = Date.now();
    expect((await api.put(`users/${b.id}/status`, { disabled: true, reason: 'test' })).status).toBe(200);
    expect(await closedWithin(bOwn, start)).toBeLessThan(1000);
    expect((await api.post(`users/${b.id}/disconnect`)).body).toEqual({ closed: 0 });
    await new Promise((r) => setTimeout(r, 500));
    expect([aAsB.isOpen(), aOwn.isOpen()]).toEqual([true, true]);
    // And A's connection under B's name still works as A's: it may publish as A.
    await aAsB.client.publishAsync(layout.outgoing(a.id, b.id), JSON.stringify({ text: 'still here' }), { qos: 1 });
  });

  it('with two engine instances: the presence leader closes a rule breaker once, and either one disconnects by identity', async () => {
    const second = await startEngine('connections-2');
    try {
      const a = await register('judy');
      const start = Date.now();
      const rogue = await open(a.token, a.id, 'x', undefined, true);
      expect(await closedWithin(rogue, start)).toBeLessThan(1000);
      const closeLines = (file: string) =>
        readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"PresenceApplier"') && l.includes('closed a broker connection') && l.includes(`"user_id":"${a.id}"`));
      let lines: string[][] = [];
      for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        lines = [engine.logFile, second.logFile].map(closeLines);
        if (lines.flat().length > 0) break;
      }
      await new Promise((r) => setTimeout(r, 500));
      lines = [engine.logFile, second.logFile].map(closeLines);
      // Exactly one instance applies the broker's events: one close, logged once, and it worked.
      expect(lines.flat().map((l) => JSON.parse(l).closed)).toEqual([true]);

      const aAsOther = await open(a.token, 'someone', `${a.id}~${device()}`);
      const t = Date.now();
      expect((await adminApi(second.url).post(`users/${a.id}/disconnect`)).body).toEqual({ closed: 1 });
      expect(await closedWithin(aAsOther, t)).toBeLessThan(1000);
    } finally {
      await second.stop();
    }
  });

  it("shows no user another user's client id: not in any payload on their topics, nor in the admin API's answers", async () => {
    const a = await register('henry');
    const b = await register('iris');
    const aClientId = `${a.id}~${device()}`;
    const aConn = await open(a.token, a.id, aClientId);
    const bConn = await open(b.token, b.id, `${b.id}~${device()}`);
    const aInbox: Inbox = await collectInbox(aConn.client, a.id);
    const bInbox: Inbox = await collectInbox(bConn.client, b.id);
    const raw: string[] = [];
    bConn.client.on('message', (_topic, payload) => raw.push(payload.toString()));

    // Every kind of traffic B can receive because of A: a message, a refusal to A, a block.
    await aConn.client.publishAsync(layout.outgoing(a.id, b.id), JSON.stringify({ text: 'hello', client_message_id: 'm1' }), { qos: 1 });
    await bInbox.waitFor(1, (m) => m.topic.endsWith('/clientadded'));
    await aConn.client.publishAsync(layout.blockCommand(a.id, b.id), JSON.stringify({ action: 'block' }), { qos: 1 });
    await aConn.client.publishAsync(layout.outgoing(a.id, b.id), JSON.stringify({ text: 'again', client_message_id: 'm2' }), { qos: 1 });
    await aInbox.waitFor(3);
    await bConn.client.publishAsync(layout.outgoing(b.id, a.id), JSON.stringify({ text: 'reply', client_message_id: 'm3' }), { qos: 1 });
    await bInbox.waitFor(2);

    const seen = [
      ...raw,
      ...bInbox.messages.map((m) => m.topic),
      ...(await Promise.all([
        api.get(`users/${a.id}`),
        api.get(`users/${a.id}/conversations`),
        api.get(`users/${b.id}/conversations`),
        api.get(`users/${b.id}/conversations/${a.id}/messages`),
        api.get(`users/${a.id}/conversations/${b.id}/messages`),
        api.get(`users/${a.id}/blocks`),
      ])).map((r) => JSON.stringify(r.body)),
    ];
    expect(raw.length).toBeGreaterThan(0);
    const suffix = aClientId.slice(a.id.length + 1);
    expect(seen.filter((s) => s.includes(suffix))).toEqual([]);
  });
});
