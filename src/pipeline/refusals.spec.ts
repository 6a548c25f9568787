import { Logger } from '@nestjs/common';
import { AmqpContext } from '@app/amqp-transport';
import { RejectionCode } from '@app/protocol';
import { AppConfig, validateEnv } from '../config';
import { MetricsService } from '../metrics/metrics.service';
import { DeliveryPublisher } from './delivery.publisher';
import { Refusals } from './refusals';

const users = { sender: 'alice', recipient: 'bob' };

function context(body: string, redelivered = false) {
  const marks: Array<{ code: string; afterwards?: () => Promise<void> }> = [];
  const ctx = {
    getRoutingKey: () => 'apps.tilechat.users.alice.bob.messages.outgoing',
    getMessage: () => ({ content: Buffer.from(body) }),
    isRedelivered: () => redelivered,
    deadLetter: (code: string, _reason: string, afterwards?: () => Promise<void>) => marks.push({ code, afterwards }),
  } as unknown as AmqpContext;
  return { ctx, marks };
}

function setup() {
  const notices: Array<{ sender: string; code: string; client_message_id?: string }> = [];
  const delivery = { reject: jest.fn(async (sender: string, _r: string, n: { code: string }) => void notices.push({ sender, ...n })) };
  const refusals = new Refusals(new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32) })), delivery as unknown as DeliveryPublisher, new MetricsService());
  return { refusals, notices };
}

describe('Refusals', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('dead-letters what can never succeed and tells the sender only once the move is done', async () => {
    const t = setup();
    const { ctx, marks } = context('{bad');
    await t.refusals.refuse(ctx, users, RejectionCode.INVALID_PAYLOAD, 'not JSON', 'c1');
    expect(marks.map((m) => m.code)).toEqual(['INVALID_PAYLOAD']);
    expect(t.notices).toEqual([]);
    await marks[0].afterwards!();
    expect(t.notices).toEqual([expect.objectContaining({ sender: 'alice', code: 'INVALID_PAYLOAD', client_message_id: 'c1' })]);
  });

  it('tells the sender of a policy refusal at once, without dead-lettering it', async () => {
    const t = setup();
    const { ctx, marks } = context('{"text":"x"}');
    await t.refusals.refuse(ctx, users, RejectionCode.BLOCKED, 'blocked');
    expect(marks).toEqual([]);
    expect(t.notices.map((n) => n.code)).toEqual(['BLOCKED']);
  });

  it('acknowledges a redelivery of a message it refused to the end without a second notice or dead letter', async () => {
    const t = setup();
    const first = context('{bad');
    await t.refusals.refuse(first.ctx, users, RejectionCode.INVALID_PAYLOAD, 'not JSON');
    await first.marks[0].afterwards!();
    const again = context('{bad', true);
    await t.refusals.refuse(again.ctx, users, RejectionCode.INVALID_PAYLOAD, 'not JSON');
    expect(again.marks).toEqual([]);
    expect(t.notices).toHaveLength(1);
  });

  it('refuses a redelivery again when the first refusal never finished (its move failed), and a new identical message too', async () => {
    const t = setup();
    const first = context('{bad');
    await t.refusals.refuse(first.ctx, users, RejectionCode.INVALID_PAYLOAD, 'not JSON');
    const again = context('{bad', true);
    await t.refusals.refuse(again.ctx, users, RejectionCode.INVALID_PAYLOAD, 'not JSON');
    expect(again.marks).toHaveLength(1);
    await again.marks[0].afterwards!();
    const another = context('{bad', false);
    await t.refusals.refuse(another.ctx, users, RejectionCode.INVALID_PAYLOAD, 'not JSON');
    expect(another.marks).toHaveLength(1);
  });
});
