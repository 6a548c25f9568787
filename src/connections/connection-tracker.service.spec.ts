import { ConsoleLogger, Logger } from '@nestjs/common';
import { BrokerManagementClient } from '../broker';
import { ConnectionGuard } from './connection-guard';
import { ConnectionTracker } from './connection-tracker.service';
import { fakeAmqpConnection, fakeBrokerChannels } from '../../test/support/fake-amqp';

const MQTT = "{'MQTT',\"3.1.1\"}";
const created = (name: string, clientId: string, protocol = MQTT) => ['connection.created', { name, protocol, variable_map: `#{<<"client_id">> => <<"${clientId}">>}` }] as const;
const channel = (name: string, user: string) => ['channel.created', { name: `${name} (1)`, user }] as const;

/** The tracker's consuming connection; a failing bind stands for a broker without the event exchange. */
function fakeConsuming(failBind = false) {
  const fake = fakeAmqpConnection(
    failBind ? { bindQueue: jest.fn(async () => Promise.reject(new Error('NOT_FOUND - no exchange'))) } : {},
  );
  const deliver = (routingKey: string, headers: Record<string, unknown>) =>
    fake.deliver({ fields: { routingKey }, properties: { headers }, content: Buffer.alloc(0) } as never);
  return { connection: fake.connection, channel: fake.channel, deliver };
}

function fakeManagement(listing: { connections?: unknown[]; owners?: unknown[] } = {}) {
  return {
    configured: true,
    closeConnection: jest.fn(async (_name: string, _reason: string) => true),
    listConnections: jest.fn(async () => listing.connections ?? []),
    listChannelOwners: jest.fn(async () => listing.owners ?? []),
  };
}

function setup(options: { failBind?: boolean; listing?: Parameters<typeof fakeManagement>[0] } = {}) {
  const consuming = fakeConsuming(options.failBind);
  const management = fakeManagement(options.listing);
  const tracker = new ConnectionTracker(fakeBrokerChannels({ consuming: consuming.connection }), management as unknown as BrokerManagementClient);
  new ConnectionGuard(tracker, management as unknown as BrokerManagementClient);
  tracker.onModuleInit();
  return { tracker, consuming, management };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('ConnectionTracker and ConnectionGuard', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new ConsoleLogger()));

  it('binds an exclusive queue of its own to the connection events on every connection', async () => {
    const { tracker, consuming } = setup();
    await consuming.connection.connect();
    expect(consuming.channel.assertQueue).toHaveBeenCalledWith('', { exclusive: true, autoDelete: true, durable: false });
    expect(consuming.channel.bindQueue.mock.calls).toEqual([
      ['amq.gen-1', 'amq.rabbitmq.event', 'connection.created'],
      ['amq.gen-1', 'amq.rabbitmq.event', 'connection.closed'],
      ['amq.gen-1', 'amq.rabbitmq.event', 'channel.created'],
    ]);
    tracker.onModuleDestroy();
  });

  it('closes a connection whose client id breaks the rule once its identity is known, and only that one', async () => {
    const { tracker, consuming, management } = setup();
    await consuming.connection.connect();
    consuming.deliver(...created('c1', 'x'));
    consuming.deliver(...created('c2', 'alice~phone'));
    consuming.deliver(...channel('c2', 'alice'));
    await flush();
    expect(management.closeConnection).not.toHaveBeenCalled(); // c1's identity is not known yet
    consuming.deliver(...channel('c1', 'alice'));
    consuming.deliver(...channel('c1', 'alice')); // its second channel: no second close
    await flush();
    expect(management.closeConnection.mock.calls).toEqual([['c1', 'the client id must start with "alice~"']]);
    expect(tracker.registry.namesOf('alice').sort()).toEqual(['c1', 'c2']);
    consuming.deliver('connection.closed', { name: 'c1' });
    expect(tracker.registry.namesOf('alice')).toEqual(['c2']);
    tracker.onModuleDestroy();
  });

  it('takes connections older than its queue from the management API, and applies the rule to them', async () => {
    const { tracker, consuming, management } = setup({
      listing: {
        connections: [
          { name: 'old-ok', protocol: 'MQTT 3.1.1', clientId: 'bob~tablet' },
          { name: 'old-bad', protocol: 'Web MQTT 3.1.1', clientId: 'alice~stolen' },
          { name: 'engine', protocol: 'AMQP 0-9-1' },
        ],
        owners: [
          { connection: 'old-ok', user: 'bob' },
          { connection: 'old-bad', user: 'bob' },
          { connection: 'engine', user: 'messaging-engine' },
        ],
      },
    });
    await consuming.connection.connect();
    await flush();
    await flush();
    expect(tracker.registry.namesOf('bob').sort()).toEqual(['old-bad', 'old-ok']);
    expect(management.closeConnection.mock.calls.map(([name]) => name)).toEqual(['old-bad']);
    tracker.onModuleDestroy();
  });

  it('keeps the pipeline\'s connection up when the event exchange is missing', async () => {
    const { tracker, consuming } = setup({ failBind: true });
    await expect(consuming.connection.connect()).resolves.toBeUndefined();
    expect(consuming.channel.consume).not.toHaveBeenCalled();
    tracker.onModuleDestroy();
  });

  it('ignores events it cannot read', async () => {
    const { tracker, consuming, management } = setup();
    await consuming.connection.connect();
    consuming.deliver('connection.created', {});
    consuming.deliver('channel.created', { name: 'no channel number', user: 'alice' });
    await flush();
    expect(tracker.registry.size).toBe(0);
    expect(management.closeConnection).not.toHaveBeenCalled();
    tracker.onModuleDestroy();
  });
});
