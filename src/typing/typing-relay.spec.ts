import { RejectionCode, TopicLayout } from '@app/protocol';
import { AppConfig, validateEnv } from '../config';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { MetricsService } from '../metrics/metrics.service';
import { GroupAudience, PolicyRefusal, PolicyService } from '../policy/policy.service';
import { TYPING_NOTICE_TTL_MS, TypingRelay } from './typing-relay';

const layout = new TopicLayout('apps/tilechat/users');

function setup(options: { direct?: PolicyRefusal | null; group?: PolicyRefusal | GroupAudience; maxGroupMembers?: string; publishFails?: boolean } = {}) {
  const config = new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32), ...(options.maxGroupMembers && { TYPING_MAX_GROUP_MEMBERS: options.maxGroupMembers }) }));
  const published: Array<{ routingKey: string; body: Record<string, unknown>; options: Record<string, unknown> }> = [];
  const publisher = {
    publishAll: jest.fn(async (requests: Array<{ routingKey: string; body: Buffer; options: Record<string, unknown> }>) => {
      if (options.publishFails) throw new Error('broker channel is not available');
      for (const r of requests) published.push({ routingKey: r.routingKey, body: JSON.parse(r.body.toString()), options: r.options });
    }),
  };
  const delivery = new DeliveryPublisher(publisher as never, layout, config);
  const policy = {
    checkMessage: jest.fn(async () => options.direct ?? null),
    checkGroupMessage: jest.fn(async () => options.group ?? { members: new Map([['alice', 'owner'], ['bob', 'member'], ['carol', 'member']]) }),
  };
  const metrics = new MetricsService();
  const relay = new TypingRelay(config, layout, policy as unknown as PolicyService, delivery, metrics);
  const notices = async () => (await metrics.registry.getSingleMetric('engine_typing_notices_total')!.get()).values[0]?.value ?? 0;
  return { relay, published, policy, notices };
}

const key = (owner: string, peer: string) => layout.typingUpdated(owner, peer).replace(/\//g, '.');

describe('TypingRelay', () => {
  it('relays to the peer of a direct conversation as a transient QoS 0 notice naming the typist', async () => {
    const t = setup();
    expect(await t.relay.relay('alice', 'bob', 'typing')).toBe('relayed');
    expect(t.policy.checkMessage).toHaveBeenCalledWith('alice', 'bob');
    expect(t.published).toEqual([
      {
        routingKey: key('bob', 'alice'),
        body: { user: 'alice', state: 'typing', timestamp: expect.any(Number) },
        options: expect.objectContaining({ persistent: false, expiration: String(TYPING_NOTICE_TTL_MS), headers: { 'x-mqtt-publish-qos': { '!': 'byte', value: 0 } } }),
      },
    ]);
    expect(await t.notices()).toBe(1);
  });

  it('relays to every other member of a group, never back to the typist', async () => {
    const t = setup();
    expect(await t.relay.relay('alice', 'group-1', 'paused')).toBe('relayed');
    expect(t.policy.checkGroupMessage).toHaveBeenCalledWith('alice', 'group-1');
    expect(t.published.map((p) => p.routingKey)).toEqual([key('bob', 'group-1'), key('carol', 'group-1')]);
    expect(t.published.every((p) => p.body.user === 'alice' && p.body.state === 'paused')).toBe(true);
    expect(await t.notices()).toBe(2);
  });

  it.each([
    [{ code: RejectionCode.BLOCKED, reason: 'blocked', silent: true }, 'blocked'],
    [{ code: RejectionCode.SENDER_DISABLED, reason: 'disabled' }, 'sender_disabled'],
    [{ code: RejectionCode.UNKNOWN_RECIPIENT, reason: 'unknown' }, 'unknown_recipient'],
    [{ code: RejectionCode.RATE_LIMITED, reason: 'other' }, 'refused'],
  ])('drops a direct indicator the policy refuses (%j), publishing nothing', async (refusal, disposition) => {
    const t = setup({ direct: refusal });
    expect(await t.relay.relay('alice', 'bob', 'typing')).toBe(disposition);
    expect(t.published).toEqual([]);
  });

  it.each([
    [{ code: RejectionCode.NOT_A_MEMBER, reason: 'not a member' }, 'not_a_member'],
    [{ code: RejectionCode.GROUP_NOT_FOUND, reason: 'no such group' }, 'group_not_found'],
  ])('drops a group indicator the policy refuses (%j)', async (refusal, disposition) => {
    const t = setup({ group: refusal });
    expect(await t.relay.relay('alice', 'group-1', 'typing')).toBe(disposition);
    expect(t.published).toEqual([]);
  });

  it('relays nothing in a group larger than TYPING_MAX_GROUP_MEMBERS, nor to oneself', async () => {
    const t = setup({ maxGroupMembers: '2' });
    expect(await t.relay.relay('alice', 'group-1', 'typing')).toBe('group_too_large');
    expect(await t.relay.relay('alice', 'alice', 'typing')).toBe('self');
    const none = setup({ maxGroupMembers: '0' });
    expect(await none.relay.relay('alice', 'group-1', 'typing')).toBe('group_too_large');
    expect([...t.published, ...none.published]).toEqual([]);
  });

  it('does not retry a failed publish (a late indicator is worse than none)', async () => {
    const t = setup({ publishFails: true });
    await expect(t.relay.relay('alice', 'bob', 'typing')).resolves.toBe('publish_failed');
    expect(await t.notices()).toBe(0);
  });
});
