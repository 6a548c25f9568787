import { Logger } from '@nestjs/common';
import { AmqpContext } from '@app/amqp-transport';
import { RejectionCode, TopicLayout } from '@app/protocol';
import { AppConfig, validateEnv } from '../config';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyService } from '../policy/policy.service';
import { AcceptedMessage, BatchOutcome, StoreAndDeliver } from './store-and-deliver';
import { Refusals } from './refusals';
import { OutgoingMessageHandler } from './outgoing-message.handler';

const topics = new TopicLayout('apps/tilechat/users');

function setup(policyFailures: number) {
  const config = new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32) }));
  const metrics = new MetricsService();
  let failures = policyFailures;
  let allowance = Infinity;
  const policy = {
    checkMessage: jest.fn(async () => {
      if (failures-- > 0) throw new Error('connection refused');
      return null;
    }),
    admit: jest.fn(() => (allowance-- > 0 ? null : { code: RejectionCode.RATE_LIMITED, reason: 'too fast' })),
    displayName: jest.fn(async (user: string) => (user === 'alice' ? 'Alice Registered' : undefined)),
  };
  let batchOutcome: BatchOutcome = 'delivered';
  const batcher = { submit: jest.fn(async (_m: AcceptedMessage) => batchOutcome) };
  const refusals = { refuse: jest.fn(), pretendSent: jest.fn() };
  const routing = new OutgoingMessageHandler(
    config,
    topics,
    policy as unknown as PolicyService,
    batcher as unknown as StoreAndDeliver,
    refusals as unknown as Refusals,
    metrics,
  );
  let active = true;
  const ctx = {
    getRoutingKey: () => 'apps.tilechat.users.alice.bob.messages.outgoing',
    isRedelivered: () => false,
    isActive: () => active,
    getDeliveryTag: () => 1,
  } as unknown as AmqpContext;
  const dbErrors = async () => (await metrics.dbErrors.get()).values.find((v) => v.labels.operation === 'read_policy')?.value ?? 0;
  return {
    routing,
    policy,
    batcher,
    refusals,
    ctx,
    dbErrors,
    deactivate: () => (active = false),
    limitTo: (n: number) => (allowance = n),
    batchWillReturn: (o: BatchOutcome) => (batchOutcome = o),
  };
}

describe('OutgoingMessageHandler', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('holds a message while the policy reads fail, counts each failure, and goes on once they succeed', async () => {
    const t = setup(2);
    const started = Date.now();
    await t.routing.handleOutgoing(Buffer.from('{"text":"hi"}'), t.ctx);
    expect(t.policy.checkMessage).toHaveBeenCalledTimes(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(125 + 250); // backoff, not a hot loop
    expect(await t.dbErrors()).toBe(2);
    expect(t.batcher.submit).toHaveBeenCalledTimes(1);
  });

  it('gives the message up (the transport lets the broker redeliver it) once its channel is gone', async () => {
    const t = setup(Infinity);
    setTimeout(t.deactivate, 300); // after the second failure (the first backoff is 125-250 ms)
    await expect(t.routing.handleOutgoing(Buffer.from('{"text":"hi"}'), t.ctx)).rejects.toThrow('connection refused');
    expect(t.batcher.submit).not.toHaveBeenCalled();
    expect(await t.dbErrors()).toBeGreaterThanOrEqual(2);
  });

  it('counts every message against the sender\'s rate before reading it: an invalid one over the limit is refused, not dead-lettered', async () => {
    const t = setup(0);
    t.limitTo(1);
    await t.routing.handleOutgoing(Buffer.from('{not json'), t.ctx);
    expect(t.refusals.refuse).toHaveBeenLastCalledWith(t.ctx, { sender: 'alice', recipient: 'bob' }, RejectionCode.INVALID_PAYLOAD, expect.any(String), undefined);
    await t.routing.handleOutgoing(Buffer.from('{not json'), t.ctx);
    expect(t.refusals.refuse).toHaveBeenLastCalledWith(t.ctx, { sender: 'alice', recipient: 'bob' }, RejectionCode.RATE_LIMITED, 'too fast', undefined);
    await t.routing.handleOutgoing(Buffer.from('{"text":"hi","client_message_id":"c7"}'), t.ctx);
    expect(t.refusals.refuse).toHaveBeenLastCalledWith(t.ctx, expect.anything(), RejectionCode.RATE_LIMITED, 'too fast', 'c7');
    expect(t.batcher.submit).not.toHaveBeenCalled();
  });

  it('names a registered sender by their registered display name, whatever the client typed', async () => {
    const t = setup(0);
    await t.routing.handleOutgoing(Buffer.from('{"text":"hi","sender_fullname":"System <admin>"}'), t.ctx);
    expect(t.batcher.submit.mock.calls[0][0].record.sender_fullname).toBe('Alice Registered');
  });

  it('refuses with UNPROCESSABLE, with the store\'s reason, a message the store refused for good', async () => {
    const t = setup(0);
    t.batchWillReturn({ unprocessable: 'the database refused the message: bad' });
    await t.routing.handleOutgoing(Buffer.from('{"text":"hi","client_message_id":"c1"}'), t.ctx);
    expect(t.refusals.refuse).toHaveBeenCalledWith(t.ctx, expect.anything(), RejectionCode.UNPROCESSABLE, 'the database refused the message: bad', 'c1');
  });
});
