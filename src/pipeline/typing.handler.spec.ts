import { Logger } from '@nestjs/common';
import { TopicLayout } from '@app/protocol';
import { MetricsService } from '../metrics/metrics.service';
import { TypingRelay } from '../typing/typing-relay';
import { Delivery } from './outcome';
import { TypingHandler } from './typing.handler';

const KEY = 'apps.tilechat.users.alice.bob.typing';

function typing(body: object | string | Buffer, routingKey = KEY, redelivered = false): Delivery {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return { routingKey, body: raw, redelivered, isLive: () => true, order: 1 };
}

function setup(options: { admit?: boolean; disposition?: string } = {}) {
  const relay = {
    admit: jest.fn(() => options.admit ?? true),
    relay: jest.fn(async () => options.disposition ?? 'relayed'),
  };
  const metrics = new MetricsService();
  const handler = new TypingHandler(new TopicLayout('apps/tilechat/users'), relay as unknown as TypingRelay, metrics);
  const outcomes = async () =>
    Object.fromEntries((await metrics.registry.getSingleMetric('engine_typing_total')!.get()).values.map((v) => [String(v.labels.outcome), v.value]));
  return { handler, relay, outcomes };
}

describe('TypingHandler', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('relays the publisher\'s state to the peer of the topic, and acks', async () => {
    const t = setup();
    expect(await t.handler.handle(typing({ state: 'typing' }))).toEqual({ kind: 'accepted' });
    expect(t.relay.admit).toHaveBeenCalledWith('alice', 'bob');
    expect(t.relay.relay).toHaveBeenCalledWith('alice', 'bob', 'typing');
    expect(await t.outcomes()).toEqual({ relayed: 1 });
  });

  it.each([
    ['not JSON', '{"state":'],
    ['an unknown state', { state: 'dancing' }],
    ['no state', {}],
    ['an array', '[{"state":"typing"}]'],
    ['a number', '42'],
    ['a huge body', Buffer.alloc(64 * 1024, 0x20)],
    ['binary', Buffer.from([0xff, 0xfe, 0x00, 0x7b])],
  ])('acks and drops %s without relaying, answering or dead-lettering', async (_what, body) => {
    const t = setup();
    expect(await t.handler.handle(typing(body))).toEqual({ kind: 'accepted' });
    expect(t.relay.relay).not.toHaveBeenCalled();
    expect(await t.outcomes()).toEqual({ malformed: 1 });
  });

  it('drops an indicator on a topic that is not a typing topic (e.g. an invalid peer)', async () => {
    const t = setup();
    expect(await t.handler.handle(typing({ state: 'typing' }, 'apps.tilechat.users.alice.b!b.typing'))).toEqual({ kind: 'accepted' });
    expect(await t.handler.handle(typing({ state: 'typing' }, 'apps.tilechat.users.alice.presence.typing.x'))).toEqual({ kind: 'accepted' });
    expect(t.relay.admit).not.toHaveBeenCalled();
    expect(await t.outcomes()).toEqual({ malformed: 2 });
  });

  it('drops what is over the typing rate before reading the body, and what was delivered before', async () => {
    const limited = setup({ admit: false });
    expect(await limited.handler.handle(typing({ state: 'typing' }))).toEqual({ kind: 'accepted' });
    expect(limited.relay.relay).not.toHaveBeenCalled();
    expect(await limited.outcomes()).toEqual({ rate_limited: 1 });

    const again = setup();
    expect(await again.handler.handle(typing({ state: 'typing' }, KEY, true))).toEqual({ kind: 'accepted' });
    expect(again.relay.admit).not.toHaveBeenCalled();
    expect(await again.outcomes()).toEqual({ redelivered: 1 });
  });

  it('acks what the relay dropped (a block, a failed publish), counted by why', async () => {
    for (const disposition of ['blocked', 'publish_failed']) {
      const t = setup({ disposition });
      expect(await t.handler.handle(typing({ state: 'paused' }))).toEqual({ kind: 'accepted' });
      expect(await t.outcomes()).toEqual({ [disposition]: 1 });
    }
  });
});
