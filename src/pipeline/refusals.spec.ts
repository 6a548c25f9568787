import { Logger } from '@nestjs/common';
import { pairKey, RejectionCode } from '@app/protocol';
import { AppConfig, validateEnv } from '../config';
import { dedupeKey, MessageRecord } from '../messages/message.record';
import { MetricsService } from '../metrics/metrics.service';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { Delivery, Outcome } from './outcome';
import { Refusals } from './refusals';

const users = { sender: 'alice', recipient: 'bob' };

function delivery(body: string, redelivered = false): Delivery {
  return { routingKey: 'apps.tilechat.users.alice.bob.messages.outgoing', body: Buffer.from(body), redelivered, isLive: () => true, order: 1 };
}

/** What the door does with an outcome, as the transport would see it: the dead-letter moves, and the notices once confirmed. */
function door() {
  const marks: Array<{ code: string; notice?: () => Promise<void> }> = [];
  return {
    marks,
    async apply(outcome: Outcome) {
      if (outcome.kind === 'dead-letter') marks.push({ code: outcome.code, notice: outcome.notice });
      else if (outcome.kind === 'refused') await outcome.notice?.();
    },
  };
}

function setup() {
  const notices: Array<{ sender: string; code: string; client_message_id?: string }> = [];
  const published: Array<{ routingKey: string; body: Buffer }> = [];
  const delivery = {
    reject: jest.fn(async (sender: string, _r: string, n: { code: string }) => void notices.push({ sender, ...n })),
    senderCopy: (m: object) => ({ routingKey: 'sender-inbox', body: Buffer.from(JSON.stringify(m)) }),
    publishAll: jest.fn(async (requests: Array<{ routingKey: string; body: Buffer }>) => void published.push(...requests)),
  };
  const metrics = new MetricsService();
  const refusals = new Refusals(new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32) })), delivery as unknown as DeliveryPublisher, metrics);
  const rejected = async () => (await metrics.rejected.get()).values.reduce((n, v) => n + v.value, 0);
  return { refusals, notices, published, rejected };
}

describe('Refusals', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('dead-letters what can never succeed and tells the sender only once the move is done', async () => {
    const t = setup();
    const { marks, apply } = door();
    await apply(t.refusals.refuse(delivery('{bad'), users, RejectionCode.INVALID_PAYLOAD, 'not JSON', 'c1'));
    expect(marks.map((m) => m.code)).toEqual(['INVALID_PAYLOAD']);
    expect(t.notices).toEqual([]);
    await marks[0].notice!();
    expect(t.notices).toEqual([expect.objectContaining({ sender: 'alice', code: 'INVALID_PAYLOAD', client_message_id: 'c1' })]);
  });

  it('tells the sender of a policy refusal at once, without dead-lettering it', async () => {
    const t = setup();
    const { marks, apply } = door();
    await apply(t.refusals.refuse(delivery('{"text":"x"}'), users, RejectionCode.BLOCKED, 'blocked'));
    expect(marks).toEqual([]);
    expect(t.notices.map((n) => n.code)).toEqual(['BLOCKED']);
  });

  it('acknowledges a redelivery of a message it refused to the end without a second notice or dead letter', async () => {
    const t = setup();
    const first = door();
    await first.apply(t.refusals.refuse(delivery('{bad'), users, RejectionCode.INVALID_PAYLOAD, 'not JSON'));
    await first.marks[0].notice!();
    const again = door();
    const outcome = t.refusals.refuse(delivery('{bad', true), users, RejectionCode.INVALID_PAYLOAD, 'not JSON');
    await again.apply(outcome);
    expect(outcome).toEqual({ kind: 'refused', code: 'INVALID_PAYLOAD', reason: 'not JSON' });
    expect(again.marks).toEqual([]);
    expect(t.notices).toHaveLength(1);
  });

  it('refuses a redelivery again when the first refusal never finished (its move failed), and a new identical message too', async () => {
    const t = setup();
    const first = door();
    await first.apply(t.refusals.refuse(delivery('{bad'), users, RejectionCode.INVALID_PAYLOAD, 'not JSON'));
    const again = door();
    await again.apply(t.refusals.refuse(delivery('{bad', true), users, RejectionCode.INVALID_PAYLOAD, 'not JSON'));
    expect(again.marks).toHaveLength(1);
    await again.marks[0].notice!();
    const another = door();
    await another.apply(t.refusals.refuse(delivery('{bad', false), users, RejectionCode.INVALID_PAYLOAD, 'not JSON'));
    expect(another.marks).toHaveLength(1);
  });

  it('counts and logs a refusal only once its notice is done (a refusal cut short is done again later)', async () => {
    const t = setup();
    const outcome = t.refusals.refuse(delivery('{"text":"x"}'), users, RejectionCode.BLOCKED, 'blocked');
    expect(await t.rejected()).toBe(0);
    await door().apply(outcome);
    expect(await t.rejected()).toBe(1);
  });

  it('refuses silently with the sent copy the message would have had, to the sender only', async () => {
    const t = setup();
    const record: MessageRecord = {
      _id: '01J00000000000000000000001',
      app_id: 'tilechat',
      pair: pairKey('alice', 'bob'),
      sender: 'alice',
      recipient: 'bob',
      type: 'text',
      text: 'hi',
      client_message_id: 'c1',
      dedupe_key: dedupeKey('alice', 'c1', '01J00000000000000000000001'),
      timestamp: 1000,
    };
    const outcome = t.refusals.pretendSent(delivery('{"text":"hi"}'), record, RejectionCode.BLOCKED, 'blocked');
    expect(outcome.kind).toBe('refused');
    await door().apply(outcome);
    expect(t.notices).toEqual([]);
    expect(t.published.map((p) => JSON.parse(p.body.toString()))).toEqual([
      expect.objectContaining({ message_id: record._id, sender: 'alice', recipient: 'bob', text: 'hi', client_message_id: 'c1', timestamp: 1000 }),
    ]);
  });
});
