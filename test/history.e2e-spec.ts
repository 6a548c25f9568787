import { MqttClient } from 'mqtt';
import { adminAuth } from './support/admin-api';
import { collectInbox, layout, mqttConnect, uid } from './support/broker';
import { eventually } from './support/database';
import { EngineProcess, startEngine } from './support/engine';

describe('history and send over REST', () => {
  let engine: EngineProcess;
  let client: MqttClient;
  const a = uid('hist-a');
  const b = uid('hist-b');
  const c = uid('hist-c');
  const get = async (path: string) => {
    const res = await fetch(`${engine.url}/admin/v1${path}`, { headers: adminAuth() });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    engine = await startEngine('history');
    client = await mqttConnect(a);
    const inbox = await collectInbox(client, a);
    for (let i = 0; i < 7; i++) {
      await client.publishAsync(layout.outgoing(a, b), JSON.stringify({ text: `ab${i}`, client_message_id: `h${i}` }), { qos: 1 });
    }
    await client.publishAsync(layout.outgoing(a, c), JSON.stringify({ text: 'ac0' }), { qos: 1 });
    await inbox.waitFor(8, (m) => m.topic.endsWith('/clientadded'));
  });

  afterAll(async () => {
    await client?.endAsync();
    await engine?.stop();
  });

  it('pages through a conversation in time order, both directions, with opaque cursors', async () => {
    const texts: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const { status, body } = await get(`/users/${b}/conversations/${a}/messages${query}`);
      expect(status).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(3);
      texts.push(...body.items.map((m: { text: string }) => m.text));
      cursor = body.next_cursor;
      pages++;
    } while (cursor);
    expect(texts).toEqual(['ab0', 'ab1', 'ab2', 'ab3', 'ab4', 'ab5', 'ab6']);
    expect(pages).toBe(3);

    const newest = await get(`/users/${a}/conversations/${b}/messages?limit=2&order=desc`);
    expect(newest.body.items.map((m: { text: string }) => m.text)).toEqual(['ab6', 'ab5']);
    const older = await get(`/users/${a}/conversations/${b}/messages?limit=2&order=desc&cursor=${newest.body.next_cursor}`);
    expect(older.body.items.map((m: { text: string }) => m.text)).toEqual(['ab4', 'ab3']);
    expect(older.body.items[0]).toMatchObject({ sender: a, recipient: b, client_message_id: 'h4', type: 'text' });
    expect(older.body.items[0]).not.toHaveProperty('dedupe_key');
  });

  it("lists a user's conversations by last activity with unread counts", async () => {
    // Summaries are written behind the pipeline: wait until both are there.
    const { status, body } = await eventually(async () => {
      const res = await get(`/users/${a}/conversations?limit=10`);
      return res.body.items?.length === 2 ? res : null;
    }, 10_000, 'two conversations');
    expect(status).toBe(200);
    expect(body.items.map((c: { peer: string }) => c.peer)).toEqual([c, b]);
    expect(body.items[1]).toMatchObject({ unread_count: 0, last_message: { text: 'ab6', sender: a } });
    const bob = await get(`/users/${b}/conversations`);
    expect(bob.body.items).toEqual([expect.objectContaining({ peer: a, unread_count: 7 })]);
    const paged = await get(`/users/${a}/conversations?limit=1`);
    expect(paged.body.items.map((c: { peer: string }) => c.peer)).toEqual([c]);
    const next = await get(`/users/${a}/conversations?limit=1&cursor=${paged.body.next_cursor}`);
    expect(next.body.items.map((c: { peer: string }) => c.peer)).toEqual([b]);
    expect(next.body.next_cursor).toBeNull();
  });

  it('rejects bad ids, limits and cursors with the error body', async () => {
    for (const path of [`/users/bad.id/conversations`, `/users/${a}/conversations?limit=0`, `/users/${a}/conversations?cursor=zzz`, `/users/${a}/conversations/${b}/messages?order=sideways`]) {
      const { status, body } = await get(path);
      expect(status).toBe(400);
      expect(body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', message: expect.any(String) });
    }
  });

  it('sends as a user and as the system sender through the pipeline', async () => {
    const post = (body: unknown) =>
      fetch(`${engine.url}/admin/v1/messages`, { method: 'POST', headers: { ...adminAuth(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bClient = await mqttConnect(b);
    const bInbox = await collectInbox(bClient, b);
    const asUser = await post({ sender: c, recipient: b, text: 'from c via REST', client_message_id: 'rest-1' });
    expect(asUser.status).toBe(202);
    expect(await asUser.json()).toMatchObject({ client_message_id: 'rest-1', sender: c, recipient: b, topic: layout.outgoing(c, b) });
    const asSystem = await post({ recipient: b, text: 'system notice' });
    expect(asSystem.status).toBe(202);
    const got = await bInbox.waitFor(2);
    expect(got.map((m) => [m.payload.sender, m.payload.text])).toEqual([
      [c, 'from c via REST'],
      ['system', 'system notice'],
    ]);
    const bad = await post({ recipient: 'bad/id', text: 'x', extra: true });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as Record<string, any>;
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.errors).toEqual(expect.arrayContaining([expect.stringContaining('extra'), expect.stringContaining('recipient')]));
    await bClient.endAsync();
  });
});
