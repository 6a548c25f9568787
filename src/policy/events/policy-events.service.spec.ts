import { AmqpPublisher } from '@app/amqp-transport';
import { DomainError, ErrorCode } from '../../common/errors';
import { AppConfig, validateEnv } from '../../config';
import { encodePolicyEvent, PolicyChangeListener } from './policy-change';
import { PolicyEvents } from './policy-events.service';
import { fakeAmqpConnection, fakeBrokerChannels } from '../../../test/support/fake-amqp';

function fakeConnection() {
  const fake = fakeAmqpConnection();
  return { ...fake, deliver: (body: Buffer) => fake.deliver({ content: body }) };
}

function setup() {
  const config = new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32) }));
  const publishing = fakeConnection();
  const consuming = fakeConnection();
  const publisher = { publish: jest.fn(async () => undefined) };
  const events = new PolicyEvents(
    config,
    publisher as unknown as AmqpPublisher,
    fakeBrokerChannels({ publishing: publishing.connection, consuming: consuming.connection }),
  );
  const listener: jest.Mocked<PolicyChangeListener> = { onPolicyChange: jest.fn(), onPolicyReset: jest.fn() };
  events.subscribe(listener);
  events.onModuleInit();
  return { events, publishing, consuming, publisher, listener };
}

describe('PolicyEvents', () => {
  it('applies a change locally, then publishes it (confirmed) on the fanout exchange', async () => {
    const { events, publishing, publisher, listener } = setup();
    await publishing.connection.connect();
    expect(publishing.channel.assertExchange).toHaveBeenCalledWith('messaging-engine.policy-events', 'fanout', { durable: true });

    await events.announce({ type: 'block.changed', blocker: 'a', blocked: 'b' });
    expect(listener.onPolicyChange).toHaveBeenCalledWith({ type: 'block.changed', blocker: 'a', blocked: 'b' });
    const [request] = publisher.publish.mock.calls[0] as unknown as [{ exchange: string; body: Buffer }];
    expect(request.exchange).toBe('messaging-engine.policy-events');
    expect(JSON.parse(request.body.toString())).toMatchObject({ type: 'block.changed', blocker: 'a', blocked: 'b', app_id: 'tilechat' });
  });

  it('still applies the change locally when it cannot be announced, and says so with DEPENDENCY_UNAVAILABLE', async () => {
    const { events, publishing, publisher, listener } = setup();
    const change = { type: 'user.changed', user_id: 'a' } as const;
    await expect(events.announce(change)).rejects.toMatchObject({ code: ErrorCode.DEPENDENCY_UNAVAILABLE }); // not connected
    expect(publisher.publish).not.toHaveBeenCalled();

    await publishing.connection.connect();
    publisher.publish.mockRejectedValueOnce(new Error('nacked'));
    const failure = await events.announce(change).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(DomainError);
    expect(listener.onPolicyChange).toHaveBeenCalledTimes(2);
  });

  it('listens on an exclusive server-named queue, resets the caches on each connection, and applies events of other instances of this app', async () => {
    const { consuming, listener } = setup();
    await consuming.connection.connect();
    expect(consuming.channel.assertQueue).toHaveBeenCalledWith('', { exclusive: true, autoDelete: true, durable: false });
    expect(consuming.channel.bindQueue).toHaveBeenCalledWith('amq.gen-1', 'messaging-engine.policy-events', '');
    expect(listener.onPolicyReset).toHaveBeenCalledTimes(1);

    consuming.deliver(encodePolicyEvent({ type: 'user.deleted', user_id: 'a', app_id: 'tilechat', origin: 'other' }));
    consuming.deliver(encodePolicyEvent({ type: 'user.deleted', user_id: 'b', app_id: 'another-app', origin: 'other' }));
    consuming.deliver(Buffer.from('not an event'));
    expect(listener.onPolicyChange.mock.calls.map(([change]) => change)).toEqual([expect.objectContaining({ type: 'user.deleted', user_id: 'a' })]);

    await consuming.connection.connect(); // a reconnect
    expect(listener.onPolicyReset).toHaveBeenCalledTimes(2);
  });

  it('ignores its own announcements when they come back', async () => {
    const { events, publishing, consuming, publisher, listener } = setup();
    await publishing.connection.connect();
    await consuming.connection.connect();
    await events.announce({ type: 'user.changed', user_id: 'a' });
    const [request] = publisher.publish.mock.calls[0] as unknown as [{ body: Buffer }];
    consuming.deliver(request.body);
    expect(listener.onPolicyChange).toHaveBeenCalledTimes(1);
  });
});
