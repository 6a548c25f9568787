import type { AmqpConnection } from '@app/amqp-transport';
import { BrokerChannels, BrokerUnavailableError } from './broker-channels';

function setup(channel: Record<string, jest.Mock> = {}, createConfirmChannel?: jest.Mock) {
  const ch = { on: jest.fn(), close: jest.fn(async () => undefined), checkQueue: jest.fn(async () => ({ messageCount: 7 })), ...channel };
  const model = { createConfirmChannel: createConfirmChannel ?? jest.fn(async () => ch) };
  const publishing = { current: model as unknown, connectionState: 'connected' };
  const consuming = { current: null, connectionState: 'connecting', onConnected: jest.fn() };
  const broker = new BrokerChannels(consuming as unknown as AmqpConnection, publishing as unknown as AmqpConnection);
  return { broker, ch, model, publishing, consuming };
}

describe('BrokerChannels', () => {
  it('runs work on a channel of its own and closes it after, also when the work fails', async () => {
    const { broker, ch } = setup();
    await expect(broker.withChannel(async () => 'done', 100)).resolves.toBe('done');
    await expect(broker.withChannel(async () => Promise.reject(new Error('boom')), 100)).rejects.toThrow('boom');
    expect(ch.close).toHaveBeenCalledTimes(2);
  });

  it('says the broker is unavailable when not connected, or when no channel opens in time', async () => {
    const { broker, publishing } = setup({}, jest.fn(() => new Promise(() => undefined)));
    await expect(broker.withChannel(async () => 1, 20)).rejects.toThrow(new BrokerUnavailableError('could not open a broker channel: no answer within 20 ms'));
    publishing.current = null;
    await expect(broker.withChannel(async () => 1, 20)).rejects.toThrow(new BrokerUnavailableError('the broker is not connected'));
  });

  it('closes a channel that opens only after its time was up', async () => {
    let open!: (ch: unknown) => void;
    const late = { on: jest.fn(), close: jest.fn(async () => undefined) };
    const { broker } = setup({}, jest.fn(() => new Promise((r) => (open = r))));
    await expect(broker.withChannel(async () => 1, 10)).rejects.toThrow(BrokerUnavailableError);
    open(late);
    await new Promise((r) => setImmediate(r));
    expect(late.close).toHaveBeenCalled();
  });

  it('reads a queue depth, null for a missing queue, and bounds the check', async () => {
    expect(await setup().broker.queueDepth('q', 100)).toBe(7);
    const missing = setup({ checkQueue: jest.fn(async () => Promise.reject(Object.assign(new Error('NOT_FOUND'), { code: 404 }))) });
    expect(await missing.broker.queueDepth('q', 100)).toBeNull();
    const slow = setup({ checkQueue: jest.fn(() => new Promise(() => undefined)) });
    await expect(slow.broker.queueDepth('q', 20)).rejects.toThrow('the broker did not answer within 20 ms (queue check)');
  });

  it('tells a setup whether its connection is still the live one', async () => {
    const { broker, consuming } = setup();
    const seen: boolean[] = [];
    broker.onConsumerConnected(async (link) => void seen.push(link.isCurrent()));
    const setupFn = consuming.onConnected.mock.calls[0][0] as (m: unknown) => Promise<void>;
    const model = {};
    consuming.current = model as never;
    await setupFn(model);
    consuming.current = {} as never;
    await setupFn(model);
    expect(seen).toEqual([true, false]);
  });
});
