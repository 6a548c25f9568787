import { Logger } from '@nestjs/common';
import { RejectionCode, TopicLayout } from '@app/protocol';
import { AppConfig, validateEnv } from '../config';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyRefusal, PolicyService } from '../policy/policy.service';
import { AcceptedMessage, BatchOutcome, StoreAndDeliver } from './store-and-deliver';
import { Delivery } from './outcome';
import { Refusals } from './refusals';
import { OutgoingMessageHandler } from './outgoing-message.handler';

const topics = new TopicLayout('apps/tilechat/users');

function setup(policyFailures: number) {
  const config = new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32) }));
  const metrics = new MetricsService();
  let failures = policyFailures;
  let allowance = Infinity;
  let refusal: PolicyRefusal | null = null;
  const policy = {
    checkMessage: jest.fn(async () => {
      if (failures-- > 0) throw new Error('connection refused');
      return refusal;
    }),
    admit: jest.fn(() => (allowance-- > 0 ? null : { code: RejectionCode.RATE_LIMITED, reason: 'too fast' })),
    displayName: jest.fn(async (user: string) => (user === 'alice' ? 'Alice Registered' : undefined)),
  };
  let batchOutcome: BatchOutcome = 'delivered';
  const store = { submit: jest.fn(async (_m: AcceptedMessage) => batchOutcome) };
  const refusals = { refuse: jest.fn(), pretendSent: jest.fn() };
  const handler = new OutgoingMessageHandler(
    config,
    topics,
    policy as unknown as PolicyService,
    store as unknown as StoreAndDeliver,
    refusals as unknown as Refusals,
    metrics,
  );
  let active = true;
  const message = (body: string): Delivery => ({
    routingKey: 'apps.tilechat.users.alice.bob.messages.outgoing',
    body: Buffer.from(body),
    redelivered: false,
    isLive: () => active,
    order: 1,
  });
  const dbErrors = async () => (await metrics.dbErrors.get()).values.find((v) => v.labels.operation === 'read_policy')?.value ?? 0;
  return {
    handler,
    policy,
    store,
    refusals,
    message,
    dbErrors,
    deactivate: () => (active = false),
    limitTo: (n: number) => (allowance = n),
    batchWillReturn: (o: BatchOutcome) => (batchOutcome = o),
    policyWillRefuse: (r: PolicyRefusal) => (refusal = r),
  };
}

describe('OutgoingMessageHandler', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('holds a message while the policy reads fail, counts each failure, and goes on once they succeed', async () => {
    const t = setup(2);
    const started = Date.now();
    await t.handler.handle(t.message('{"text":"hi"}'));
    expect(t.policy.checkMessage).toHaveBeenCalledTimes(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(125 + 250); // backoff, not a hot loop
    expect(await t.dbErrors()).toBe(2);
    expect(t.store.submit).toHaveBeenCalledTimes(1);
  });

  it('gives the message up (the transport lets the broker redeliver it) once its channel is gone', async () => {
    const t = setup(Infinity);
    setTimeout(t.deactivate, 300); // after the second failure (the first backoff is 125-250 ms)
    expect(await t.handler.handle(t.message('{"text":"hi"}'))).toEqual({ kind: 'retry', reason: expect.any(String), cause: new Error('connection refused') });
    expect(t.store.submit).not.toHaveBeenCalled();
    expect(await t.dbErrors()).toBeGreaterThanOrEqual(2);
  });

  it('counts every message against the sender\'s rate before reading it: an invalid one over the limit is refused, not dead-lettered', async () => {
    const t = setup(0);
    t.limitTo(1);
    await t.handler.handle(t.message('{not json'));
    expect(t.refusals.refuse).toHaveBeenLastCalledWith(expect.objectContaining({ body: expect.any(Buffer) }), { sender: 'alice', recipient: 'bob' }, RejectionCode.INVALID_PAYLOAD, expect.any(String), undefined);
    await t.handler.handle(t.message('{not json'));
    expect(t.refusals.refuse).toHaveBeenLastCalledWith(expect.objectContaining({ body: expect.any(Buffer) }), { sender: 'alice', recipient: 'bob' }, RejectionCode.RATE_LIMITED, 'too fast', undefined);
    await t.handler.handle(t.message('{"text":"hi","client_message_id":"c7"}'));
    expect(t.refusals.refuse).toHaveBeenLastCalledWith(expect.objectContaining({ body: expect.any(Buffer) }), expect.anything(), RejectionCode.RATE_LIMITED, 'too fast', 'c7');
    expect(t.store.submit).not.toHaveBeenCalled();
  });

  it('names a registered sender by their registered display name, whatever the client typed', async () => {
    const t = setup(0);
    await t.handler.handle(t.message('{"text":"hi","sender_fullname":"System <admin>"}'));
    expect(t.store.submit.mock.calls[0][0].record.sender_fullname).toBe('Alice Registered');
  });

  it('refuses with UNPROCESSABLE, with the store\'s reason, a message the store refused for good', async () => {
    const t = setup(0);
    t.batchWillReturn({ unprocessable: 'the database refused the message: bad' });
    await t.handler.handle(t.message('{"text":"hi","client_message_id":"c1"}'));
    expect(t.refusals.refuse).toHaveBeenCalledWith(expect.objectContaining({ body: expect.any(Buffer) }), expect.anything(), RejectionCode.UNPROCESSABLE, 'the database refused the message: bad', 'c1');
  });

  it('accepts a stored message, in its delivery order and liveness, and counts it delivered', async () => {
    const t = setup(0);
    expect(await t.handler.handle(t.message('{"text":"hi"}'))).toEqual({ kind: 'accepted' });
    const submitted = t.store.submit.mock.calls[0][0];
    expect(submitted.order).toBe(1);
    expect(submitted.isLive()).toBe(true);
    t.deactivate();
    expect(submitted.isLive()).toBe(false);
  });

  it('gives messages ids in their delivery order, even when a later one\'s policy read finishes first', async () => {
    const t = setup(0);
    t.policy.checkMessage.mockImplementationOnce(() => new Promise((resolve) => setTimeout(() => resolve(null), 20)));
    await Promise.all([t.handler.handle(t.message('{"text":"first"}')), t.handler.handle(t.message('{"text":"second"}'))]);
    const records = t.store.submit.mock.calls.map(([m]) => m.record);
    expect(records.map((r) => r.text)).toEqual(['second', 'first']); // the first waited for its policy
    expect(records[1]._id < records[0]._id).toBe(true);
  });

  it('asks for a redelivery when the store gave the message up (its channel gone, or shutting down)', async () => {
    const t = setup(0);
    t.batchWillReturn('abandoned');
    expect(await t.handler.handle(t.message('{"text":"hi"}'))).toEqual({ kind: 'retry', reason: expect.stringContaining('not processed') });
  });

  it('refuses a message the policy refuses, with its code, and stores nothing', async () => {
    const t = setup(0);
    t.policyWillRefuse({ code: RejectionCode.BLOCKED, reason: 'blocked' });
    await t.handler.handle(t.message('{"text":"hi","client_message_id":"c2"}'));
    expect(t.refusals.refuse).toHaveBeenCalledWith(expect.anything(), { sender: 'alice', recipient: 'bob' }, RejectionCode.BLOCKED, 'blocked', 'c2');
    expect(t.store.submit).not.toHaveBeenCalled();
  });

  it('refuses silently with the record the message would have been stored as (the registered name too)', async () => {
    const t = setup(0);
    t.policyWillRefuse({ code: RejectionCode.BLOCKED, reason: 'blocked', silent: true });
    await t.handler.handle(t.message('{"text":"hi","client_message_id":"c3","sender_fullname":"Typed"}'));
    expect(t.refusals.refuse).not.toHaveBeenCalled();
    expect(t.refusals.pretendSent).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({ sender: 'alice', recipient: 'bob', text: 'hi', client_message_id: 'c3', sender_fullname: 'Alice Registered' }),
      RejectionCode.BLOCKED,
      'blocked',
    );
    expect(t.store.submit).not.toHaveBeenCalled();
  });
});
