import { PublishRequest } from '@app/amqp-transport';
import { pairKey, TopicLayout } from '@app/protocol';
import { AppConfig } from '../config';
import { validateEnv } from '../config/env.validation';
import { ConversationWriter } from '../conversations/conversation-writer';
import { dedupeKey, MessageRecord } from '../messages/message.record';
import { MessagesRepository } from '../messages/messages.repository';
import { MetricsService } from '../metrics/metrics.service';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { AcceptedMessage, BatchOutcome, StoreAndDeliver } from './store-and-deliver';

const config = new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32), BATCH_MAX_WAIT_MS: '1', BATCH_MAX_SIZE: '10' }));

function accepted(n: number, sender = 'a', recipient = 'b', cmid: string | undefined = `c${n}`, active = () => true): AcceptedMessage {
  const id = `01J0000000000000000000${String(n).padStart(4, '0')}`;
  const record: MessageRecord = {
    _id: id,
    app_id: 'tilechat',
    pair: pairKey(sender, recipient),
    sender,
    recipient,
    type: 'text',
    text: `m${n}`,
    client_message_id: cmid,
    dedupe_key: dedupeKey(sender, cmid, id),
    timestamp: 1000 + n,
  };
  return { record, order: n, isLive: active, receivedAt: Date.now() };
}

function setup() {
  const inserted: MessageRecord[][] = [];
  const stored = new Map<string, MessageRecord>();
  let insertFailures = 0;
  // Texts the fake database refuses for good (as a server refuses a document it cannot store).
  const poison = new Set<string>();
  const messages = {
    insertBatch: jest.fn(async (records: MessageRecord[]) => {
      if (insertFailures > 0) {
        insertFailures--;
        throw new Error('database down');
      }
      inserted.push(records);
      const duplicates = new Map<string, MessageRecord>();
      const refused = new Map<string, string>();
      for (const r of records) {
        const existing = stored.get(r.dedupe_key);
        if (poison.has(r.text)) refused.set(r.dedupe_key, 'document refused');
        else if (existing) duplicates.set(r.dedupe_key, existing);
        else stored.set(r.dedupe_key, r);
      }
      return { duplicates, refused };
    }),
  };
  const published: PublishRequest[] = [];
  // Confirms arrive when the test says so (holdConfirms) or at once; a held publish can be nacked.
  let held: Array<{ confirm: () => void; nack: () => void }> | null = null;
  const publisher = {
    publishAll: jest.fn((requests: PublishRequest[]) => {
      published.push(...requests);
      if (!held) return Promise.resolve();
      const waiting = held;
      return new Promise<void>((confirm, nack) => waiting.push({ confirm, nack: () => nack(new Error('nacked')) }));
    }),
    publish: jest.fn(),
  };
  const delivery = new DeliveryPublisher(publisher as never, new TopicLayout('apps/tilechat/users'), config);
  const conversations = { recordMessage: jest.fn(), recordGroupMessage: jest.fn() };
  const metrics = new MetricsService();
  const store = new StoreAndDeliver(config, messages as unknown as MessagesRepository, delivery, conversations as unknown as ConversationWriter, metrics);
  const bodies = () => published.map((p) => JSON.parse(p.body.toString()) as Record<string, unknown>);
  return {
    store,
    inserted,
    stored,
    published,
    bodies,
    conversations,
    metrics,
    failInserts: (n: number) => (insertFailures = n),
    poison: (text: string) => poison.add(text),
    holdConfirms: () => (held = []),
    held: () => held!,
  };
}

describe('StoreAndDeliver', () => {
  it('stores a batch in one insert, publishes both copies of each, and reports them delivered', async () => {
    const t = setup();
    const outcomes = await Promise.all([1, 2, 3].map((n) => t.store.submit(accepted(n))));
    expect(outcomes).toEqual(['delivered', 'delivered', 'delivered']);
    expect(t.inserted).toHaveLength(1);
    expect(t.inserted[0].map((r) => r.text)).toEqual(['m1', 'm2', 'm3']);
    expect(t.published.map((p) => p.routingKey)).toEqual([
      'apps.tilechat.users.b.a.messages.clientadded',
      'apps.tilechat.users.a.b.messages.clientadded',
      'apps.tilechat.users.b.a.messages.clientadded',
      'apps.tilechat.users.a.b.messages.clientadded',
      'apps.tilechat.users.b.a.messages.clientadded',
      'apps.tilechat.users.a.b.messages.clientadded',
    ]);
    expect(t.bodies().map((b) => b.status)).toEqual([150, 100, 150, 100, 150, 100]);
    expect(t.conversations.recordMessage).toHaveBeenCalledTimes(3);
    // The stage budget: each message's wait for its batch, the batch's insert and its publish-to-confirm.
    const stages = (await t.metrics.stage.get()).values.filter((v) => v.metricName === 'engine_stage_seconds_count');
    expect(Object.fromEntries(stages.map((v) => [v.labels.stage, v.value]))).toEqual({ batch_wait: 3, insert: 1, publish_confirm: 1 });
  });

  it('stores a group message once and copies it to each member; the batch\'s direct copies go out first', async () => {
    const t = setup();
    const group = (n: number): AcceptedMessage => {
      const m = accepted(n, 'a', 'group-1');
      return { ...m, record: { ...m.record, pair: 'group-1', channel_type: 'group' }, audience: ['a', 'b', 'c'] };
    };
    const outcomes = await Promise.all([t.store.submit(group(1)), t.store.submit(accepted(2)), t.store.submit(group(3))]);
    expect(outcomes).toEqual(['delivered', 'delivered', 'delivered']);
    expect(t.inserted[0].map((r) => r.text)).toEqual(['m1', 'm2', 'm3']);
    expect(t.published.map((p) => [p.routingKey, (JSON.parse(p.body.toString()) as { text: string; status: number }).text])).toEqual([
      ['apps.tilechat.users.b.a.messages.clientadded', 'm2'],
      ['apps.tilechat.users.a.b.messages.clientadded', 'm2'],
      ['apps.tilechat.users.a.group-1.messages.clientadded', 'm1'],
      ['apps.tilechat.users.b.group-1.messages.clientadded', 'm1'],
      ['apps.tilechat.users.c.group-1.messages.clientadded', 'm1'],
      ['apps.tilechat.users.a.group-1.messages.clientadded', 'm3'],
      ['apps.tilechat.users.b.group-1.messages.clientadded', 'm3'],
      ['apps.tilechat.users.c.group-1.messages.clientadded', 'm3'],
    ]);
    expect(t.bodies().map((b) => [b.channel_type, b.status])).toEqual([
      ['direct', 150],
      ['direct', 100],
      ['group', 100],
      ['group', 150],
      ['group', 150],
      ['group', 100],
      ['group', 150],
      ['group', 150],
    ]);
    expect(t.conversations.recordGroupMessage).toHaveBeenCalledTimes(2);
    expect(t.conversations.recordMessage).toHaveBeenCalledTimes(1);
  });

  it('refuses a client_message_id reused for another recipient instead of re-publishing the earlier message there', async () => {
    const t = setup();
    expect(await t.store.submit(accepted(1, 'a', 'b', 'same'))).toBe('delivered');
    const published = t.published.length;
    expect(await t.store.submit(accepted(2, 'a', 'c', 'same'))).toEqual({ unprocessable: expect.stringContaining('another recipient') });
    expect(t.published.length).toBe(published);
    expect(await t.store.submit(accepted(3, 'a', 'b', 'same'))).toBe('duplicate'); // a real redelivery still is one
  });

  it('keeps delivery order within a batch even when submitted out of order', async () => {
    const t = setup();
    await Promise.all([3, 1, 2].map((n) => t.store.submit(accepted(n))));
    expect(t.inserted[0].map((r) => r.text)).toEqual(['m1', 'm2', 'm3']);
  });

  it('stores a client_message_id sent twice in one batch once and delivers both with one message_id', async () => {
    const t = setup();
    const first = accepted(1, 'a', 'b', 'same');
    const again = accepted(2, 'a', 'b', 'same');
    const outcomes = await Promise.all([t.store.submit(first), t.store.submit(again)]);
    expect(outcomes).toEqual(['delivered', 'duplicate']);
    expect(t.inserted[0]).toHaveLength(1);
    expect(new Set(t.bodies().map((b) => b.message_id))).toEqual(new Set([first.record._id]));
    expect(t.conversations.recordMessage).toHaveBeenCalledTimes(1);
  });

  it('re-publishes a message already stored with its first message_id and time', async () => {
    const t = setup();
    await t.store.submit(accepted(1, 'a', 'b', 'dup'));
    t.published.length = 0;
    const outcome = await t.store.submit(accepted(2, 'a', 'b', 'dup'));
    expect(outcome).toBe('duplicate');
    expect(t.bodies().map((b) => [b.message_id, b.timestamp, b.text])).toEqual([
      [accepted(1).record._id, 1001, 'm1'],
      [accepted(1).record._id, 1001, 'm1'],
    ]);
  });

  it('retries a failing database until it succeeds, without reporting anything before', async () => {
    const t = setup();
    t.failInserts(2);
    const outcome = await t.store.submit(accepted(1));
    expect(outcome).toBe('delivered');
    expect(t.inserted).toHaveLength(1);
  });

  it('gives up a batch whose messages are no longer active (their channel is gone)', async () => {
    const t = setup();
    t.failInserts(100);
    let active = true;
    const pending = t.store.submit(accepted(1, 'a', 'b', 'c1', () => active));
    await new Promise((r) => setTimeout(r, 50));
    active = false;
    await expect(pending).resolves.toBe('abandoned');
    expect(t.published).toEqual([]);
  });

  it('stores and publishes the next batch while the previous one waits for its confirms', async () => {
    const t = setup();
    t.holdConfirms();
    const outcomes: string[] = [];
    const first = Array.from({ length: 10 }, (_, i) => t.store.submit(accepted(i + 1)).then((o) => outcomes.push(`1:${o}`)));
    await until(() => t.held().length === 1);
    const second = [11, 12].map((n) => t.store.submit(accepted(n)).then((o) => outcomes.push(`2:${o}`)));
    await until(() => t.held().length === 2);
    // Both batches stored and published, in order, and nobody told before the broker confirmed.
    expect(t.inserted.map((b) => b.length)).toEqual([10, 2]);
    expect(t.bodies().filter((b) => b.status === 150).map((b) => b.text)).toEqual(Array.from({ length: 12 }, (_, i) => `m${i + 1}`));
    expect(outcomes).toEqual([]);
    t.held()[1].confirm();
    await Promise.all(second);
    expect(outcomes).toEqual(['2:delivered', '2:delivered']);
    t.held()[0].confirm();
    await Promise.all(first);
    expect(outcomes).toHaveLength(12);
  });

  it('refuses alone a message the database refuses for good: the rest of its batch is stored and delivered', async () => {
    const t = setup();
    t.poison('m2');
    const outcomes = await Promise.all([1, 2, 3].map((n) => t.store.submit(accepted(n))));
    expect(outcomes).toEqual(['delivered', { unprocessable: expect.stringContaining('document refused') }, 'delivered']);
    expect(t.bodies().map((b) => b.text)).toEqual(['m1', 'm1', 'm3', 'm3']);
    expect(t.conversations.recordMessage).toHaveBeenCalledTimes(2);
  });

  it('refuses before storing a message whose delivered copy the broker would refuse for its size', async () => {
    const t = setup();
    const big = accepted(2);
    big.record.text = 'x'.repeat(config.pipeline.maxMessageBytes);
    const outcomes = await Promise.all([t.store.submit(accepted(1)), t.store.submit(big), t.store.submit(accepted(3))]);
    expect(outcomes).toEqual(['delivered', { unprocessable: expect.stringMatching(/delivered copy is \d+ bytes/) }, 'delivered']);
    expect(t.inserted.flat().map((r) => r.text)).toEqual(['m1', 'm3']);
  });

  it('publishes a batch again when the broker did not confirm it, and only then reports it', async () => {
    const t = setup();
    t.holdConfirms();
    let outcome: BatchOutcome | undefined;
    const pending = t.store.submit(accepted(1)).then((o) => (outcome = o));
    await until(() => t.held().length === 1);
    t.held()[0].nack();
    await until(() => t.held().length === 2, 2000);
    expect(outcome).toBeUndefined();
    expect(t.inserted).toHaveLength(1);
    t.held()[1].confirm();
    await pending;
    expect(outcome).toBe('delivered');
    expect(t.published).toHaveLength(4);
  });

  it('gives up the messages still waiting when the engine stops, and any submitted after', async () => {
    const t = setup();
    const waiting = t.store.submit(accepted(1));
    t.store.onModuleDestroy();
    await expect(waiting).resolves.toBe('abandoned');
    await expect(t.store.submit(accepted(2))).resolves.toBe('abandoned');
    expect(t.inserted).toEqual([]);
  });
});

async function until(condition: () => boolean, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
