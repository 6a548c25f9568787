import type { ChannelModel, ConsumeMessage } from 'amqplib';
import type { AmqpConnection } from '@app/amqp-transport';
import { BrokerChannels } from '../../src/broker/broker-channels';

/**
 * For unit specs: a consuming connection whose setups run on connect(), on a model whose one
 * channel records the topology asked of it (`channelOverrides` replace its methods) and hands the
 * spec the consumer callback (`deliver`).
 */
export function fakeAmqpConnection(channelOverrides: Record<string, unknown> = {}) {
  const setups: Array<(model: ChannelModel) => Promise<void>> = [];
  let consume: ((msg: ConsumeMessage | null) => void) | null = null;
  const channel = {
    on: jest.fn(),
    once: jest.fn(),
    assertExchange: jest.fn(async () => ({})),
    assertQueue: jest.fn(async () => ({ queue: 'amq.gen-1' })),
    bindQueue: jest.fn(async () => ({})),
    consume: jest.fn(async (_q: string, fn: typeof consume) => ((consume = fn), { consumerTag: 't' })),
    close: jest.fn(async () => undefined),
    ...channelOverrides,
  };
  const model = { createChannel: jest.fn(async () => channel) } as unknown as ChannelModel;
  const connection = {
    current: null as ChannelModel | null,
    onConnected: (setup: (m: ChannelModel) => Promise<void>) => setups.push(setup),
    async connect() {
      for (const setup of setups) await setup(model);
      this.current = model;
    },
  };
  const deliver = (msg: Partial<ConsumeMessage>) => consume!(msg as ConsumeMessage);
  return { connection, channel, deliver };
}

type FakeConnection = ReturnType<typeof fakeAmqpConnection>['connection'];

/** The engine's BrokerChannels on fake connections (one left out is never connected). */
export function fakeBrokerChannels(connections: { consuming?: FakeConnection; publishing?: FakeConnection }): BrokerChannels {
  const idle = fakeAmqpConnection().connection;
  const as = (c: FakeConnection | undefined) => (c ?? idle) as unknown as AmqpConnection;
  return new BrokerChannels(as(connections.consuming), as(connections.publishing));
}
