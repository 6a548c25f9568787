import { Logger } from '@nestjs/common';
import { AmqpContext } from '@app/amqp-transport';
import { TopicLayout } from '@app/protocol';
import { AppConfig, validateEnv } from '../config';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyService } from '../policy/policy.service';
import { MessageBatcher } from './message-batcher';
import { MessageRefusals } from './message-refusals';
import { RoutingService } from './routing.service';

const topics = new TopicLayout('apps/tilechat/users');

function setup(policyFailures: number) {
  const config = new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32) }));
  const metrics = new MetricsService();
  let failures = policyFailures;
  const policy = {
    checkMessage: jest.fn(async () => {
      if (failures-- > 0) throw new Error('connection refused');
      return null;
    }),
  };
  const batcher = { submit: jest.fn(async () => 'delivered') };
  const refusals = { refuse: jest.fn(), pretendSent: jest.fn() };
  const routing = new RoutingService(
    config,
    topics,
    policy as unknown as PolicyService,
    batcher as unknown as MessageBatcher,
    refusals as unknown as MessageRefusals,
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
  return { routing, policy, batcher, ctx, dbErrors, deactivate: () => (active = false) };
}

describe('RoutingService', () => {
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
    setTimeout(t.deactivate, 50);
    await expect(t.routing.handleOutgoing(Buffer.from('{"text":"hi"}'), t.ctx)).rejects.toThrow('connection refused');
    expect(t.batcher.submit).not.toHaveBeenCalled();
    expect(await t.dbErrors()).toBeGreaterThanOrEqual(2);
  });
});
