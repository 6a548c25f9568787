import { MqttClient } from 'mqtt';
import { GroupState, RejectionCode } from '@app/protocol';
import { AdminApi, adminApi, registeredUser, TestUser } from '../support/admin-api';
import { layout, mqttConnect, uid } from '../support/broker';
import { closeTestDb, eventually, testDb } from '../support/database';
import { EngineProcess, startEngine } from '../support/engine';

const registeredOnly = { REQUIRE_REGISTERED_RECIPIENTS: 'true' };

/** One sample of a Prometheus counter (a series with these exact labels), 0 when not there yet. */
async function counter(engine: EngineProcess, series: string): Promise<number> {
  const text = await (await fetch(`${engine.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Runs `task` over the items `size` at a time (a thousand connections at once is a stampede). */
async function inGroupsOf<T>(items: readonly T[], size: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    await Promise.all(items.slice(start, start + size).map((item, i) => task(item, start + i)));
  }
}

async function endAll(clients: MqttClient[]): Promise<void> {
  await inGroupsOf(clients.splice(0), 100, (c) => c.endAsync(true));
}

const send = (from: TestUser, groupId: string, text: string) =>
  from.client.publishAsync(layout.outgoing(from.id, groupId), JSON.stringify({ text, client_message_id: text }), { qos: 1 });
const groupCopy = (groupId: string, prefix: string) => (m: { topic: string; payload: Record<string, unknown> }) =>
  m.topic.endsWith(`/${groupId}/messages/clientadded`) && String(m.payload.text).startsWith(prefix);

afterAll(async () => {
  await closeTestDb();
});

describe('groups with two engine instances', () => {
  const clients: MqttClient[] = [];
  const engines: EngineProcess[] = [];

  afterAll(async () => {
    await endAll(clients);
    await Promise.all(engines.map((e) => e.stop()));
  });

  it('refuses a member removed through one instance on the other at once', async () => {
    engines.push(...(await Promise.all([startEngine('group-cache-1', registeredOnly), startEngine('group-cache-2', registeredOnly)])));
    const api: AdminApi = adminApi(engines[0].url);
    const [owner, removed, other] = await Promise.all(['fgo', 'fgm', 'fgb'].map((n) => registeredUser(api, n, clients)));
    const created = await api.post('groups', { name: 'Two engines', owner: owner.id, members: [removed.id, other.id] });
    expect(created.status).toBe(201);
    const groupId = (created.body as GroupState).group_id;

    // Both instances cache the membership on the first group message they handle: send until each
    // has delivered at least one (the queue's consumers take turns, but nothing is left to chance).
    const delivered = () => Promise.all(engines.map((e) => counter(e, 'engine_messages_delivered_total')));
    let warm = 0;
    for (let round = 0; round < 10 && (await delivered()).some((n) => n === 0); round++) {
      await Promise.all(Array.from({ length: 10 }, () => send(removed, groupId, `warm-${warm++}`)));
      await other.inbox.waitFor(warm, groupCopy(groupId, 'warm-'));
    }
    expect(Math.min(...(await delivered()))).toBeGreaterThan(0);

    expect((await api.delete(`groups/${groupId}/members/${removed.id}`)).status).toBe(200);
    const n = 20;
    await Promise.all(Array.from({ length: n }, (_, i) => send(removed, groupId, `after-${i}`)));

    const refusals = await removed.inbox.waitFor(n, (m) => m.topic === layout.clientRejected(removed.id, groupId));
    expect(refusals.map((m) => m.payload.client_message_id).sort()).toEqual(Array.from({ length: n }, (_, i) => `after-${i}`).sort());
    expect(refusals.filter((m) => m.payload.code !== RejectionCode.NOT_A_MEMBER)).toEqual([]);
    // Each instance refused some: the one that did not make the change was asked too.
    const refusedBy = await Promise.all(engines.map((e) => counter(e, `engine_messages_rejected_total{code="${RejectionCode.NOT_A_MEMBER}"}`)));
    expect(refusedBy.reduce((a, b) => a + b, 0)).toBe(n);
    expect(Math.min(...refusedBy)).toBeGreaterThan(0);

    await new Promise((r) => setTimeout(r, 1500));
    for (const u of [owner, removed, other]) expect(u.inbox.messages.filter(groupCopy(groupId, 'after-'))).toEqual([]);
    const messages = (await testDb()).collection('messages');
    expect(await messages.countDocuments({ recipient: groupId, sender: removed.id, text: /^after-/ })).toBe(0);
    expect(await messages.countDocuments({ recipient: groupId, sender: removed.id, text: /^warm-/ })).toBe(warm);
    process.stdout.write(`groups, two engines: ${warm} messages to warm both caches; after the removal ${n} refused (${refusedBy.join(' + ')}), none delivered or stored\n`);
  });
});

describe('a group fan-out when the engine is killed', () => {
  const clients: MqttClient[] = [];
  let engine: EngineProcess | undefined;

  afterAll(async () => {
    await endAll(clients);
    await engine?.stop();
  });

  it('gives every one of 1,000 members each message after a kill -9 mid fan-out and a restart, stored once', async () => {
    const size = 1000; // GROUP_MAX_MEMBERS's default, the owner included
    const sent = 5;
    const started = Date.now();
    engine = await startEngine('group-fanout-1', registeredOnly);
    const api = adminApi(engine.url);
    const ids = Array.from({ length: size }, (_, i) => uid(`fan${i}`));
    await inGroupsOf(ids, 50, async (id) => {
      const reply = await api.put(`users/${id}`, { display_name: id });
      if (reply.status !== 201) throw new Error(`could not register ${id}: ${reply.status} ${JSON.stringify(reply.body)}`);
    });
    const created = await api.post('groups', { name: 'Everyone', owner: ids[0], members: ids.slice(1) });
    expect({ status: created.status, body: created.status === 201 ? undefined : created.body }).toEqual({ status: 201 }); // the error, when there is one
    const group = created.body as GroupState;
    expect(group.members).toHaveLength(size);
    const groupId = group.group_id;

    // Per member, the message ids of the copies of each test message that arrived.
    const copies = ids.map(() => new Map<string, string[]>());
    const members: MqttClient[] = [];
    let total = 0;
    let firstCopy!: () => void;
    const firstArrived = new Promise<void>((resolve) => (firstCopy = resolve));
    await inGroupsOf(ids, 50, async (id, i) => {
      const client = await mqttConnect(id);
      clients.push(client);
      members[i] = client;
      client.on('message', (_topic, payload) => {
        const m = JSON.parse(payload.toString()) as { type?: string; text?: string; message_id?: string };
        if (m.type !== 'text' || !m.text?.startsWith('fan-')) return;
        copies[i].set(m.text, [...(copies[i].get(m.text) ?? []), String(m.message_id)]);
        total++;
        firstCopy();
      });
      await client.subscribeAsync(layout.clientAdded(id, groupId), { qos: 1 });
    });
    const ready = Date.now();

    const sender = members[1];
    const texts = Array.from({ length: sent }, (_, k) => `fan-${k}`);
    const published = texts.map((text) => sender.publishAsync(layout.outgoing(ids[1], groupId), JSON.stringify({ text, client_message_id: text }), { qos: 1 }));
    let noCopy: NodeJS.Timeout | undefined;
    await Promise.race([firstArrived, new Promise((_, reject) => (noCopy = setTimeout(() => reject(new Error('no copy within 20 s')), 20_000)))]);
    clearTimeout(noCopy);
    await engine.kill();
    const killedAt = Date.now();
    const copiesAtKill = total;
    await Promise.all(published);

    engine = await startEngine('group-fanout-2', registeredOnly);
    const missing = () => ids.flatMap((id, i) => texts.filter((t) => !copies[i].has(t)).map((t) => `${id}:${t}`));
    await eventually(async () => missing().length === 0, 90_000, `${size} members with ${sent} messages each`).catch(() => undefined);
    const allAt = Date.now();
    expect(missing().slice(0, 20)).toEqual([]);
    await new Promise((r) => setTimeout(r, 1000)); // let late duplicates land before counting them

    // At least once, one message_id per message however many copies.
    for (const text of texts) expect(new Set(copies.flatMap((c) => c.get(text) ?? [])).size).toBe(1);
    expect(await (await testDb()).collection('messages').countDocuments({ recipient: groupId, type: 'text' })).toBe(sent);
    // The kill landed mid fan-out: not every copy was out, and the restarted engine got some message again.
    expect(copiesAtKill).toBeLessThan(size * sent);
    const redelivered = await counter(engine, 'engine_messages_redelivered_total');
    expect(redelivered).toBeGreaterThan(0);
    process.stdout.write(
      `groups, kill -9 mid fan-out: ${size} members x ${sent} messages; set-up ${((ready - started) / 1000).toFixed(1)} s; ` +
        `${copiesAtKill} copies had arrived at the kill; all delivered ${((allAt - killedAt) / 1000).toFixed(1)} s after it; ` +
        `redelivered to the new engine ${redelivered}; duplicates ${total - size * sent}\n`,
    );
  });
});
