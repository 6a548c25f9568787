import { ConsumeMessage } from 'amqplib';
import { AmqpConnection, AmqpLogger } from './amqp-connection';
import { AmqpServer } from './amqp.server';
import { DeadLetterEvent } from './dead-letter';

/** A channel that records, in order, what the server does with it. */
function fakeChannel(calls: string[]) {
  let deliver: (msg: ConsumeMessage) => void = () => undefined;
  const onClose: Array<() => void> = [];
  const channel = {
    on: jest.fn(),
    once: jest.fn((event: string, fn: () => void) => event === 'close' && onClose.push(fn)),
    assertExchange: jest.fn(async () => undefined),
    assertQueue: jest.fn(async () => undefined),
    bindQueue: jest.fn(async () => undefined),
    prefetch: jest.fn(async () => undefined),
    consume: jest.fn(async (_queue: string, fn: (msg: ConsumeMessage) => void) => {
      deliver = fn;
      return { consumerTag: 'ctag' };
    }),
    cancel: jest.fn(async () => calls.push('cancel')),
    ack: jest.fn((msg: ConsumeMessage) => calls.push(`ack ${msg.fields.deliveryTag}`)),
    nack: jest.fn((msg: ConsumeMessage) => calls.push(`nack ${msg.fields.deliveryTag}`)),
    publish: jest.fn((exchange: string, key: string, _body: Buffer, _options: unknown, done: (err?: Error) => void) => {
      calls.push(`publish ${exchange} ${key}`);
      setImmediate(() => done());
      return true;
    }),
    close: jest.fn(async () => {
      calls.push('channel.close');
      onClose.forEach((fn) => fn());
    }),
  };
  return { channel, deliver: (msg: ConsumeMessage) => deliver(msg) };
}

function message(deliveryTag: number, routingKey: string, body = '{}'): ConsumeMessage {
  return {
    content: Buffer.from(body),
    fields: { deliveryTag, redelivered: false, exchange: 'amq.topic', routingKey, consumerTag: 'ctag' },
    properties: { headers: {} },
  } as unknown as ConsumeMessage;
}

async function started(options: { onDeadLetter?: (e: DeadLetterEvent) => void; handlerMs?: number } = {}) {
  const calls: string[] = [];
  const logged: Array<[string, Record<string, unknown> | undefined]> = [];
  const logger: AmqpLogger = {
    log: () => undefined,
    warn: (message, ctx) => logged.push([message, ctx]),
    error: (message, ctx) => logged.push([message, ctx]),
  };
  let setup: ((model: unknown) => Promise<void>) | undefined;
  const connection = {
    isConnected: true,
    onConnected: (fn: (model: unknown) => Promise<void>) => (setup = fn),
    start: jest.fn(async () => undefined),
    close: jest.fn(async () => calls.push('connection.close')),
  };
  const server = new AmqpServer({
    connection: connection as unknown as AmqpConnection,
    exchange: 'amq.topic',
    queue: 'engine',
    deadLetter: { exchange: 'dlx', queue: 'dlq' },
    prefetch: 10,
    payload: 'raw',
    onDeadLetter: options.onDeadLetter,
    logger,
  });
  server.addHandler('app.*.outgoing', async () => new Promise((r) => setTimeout(r, options.handlerMs ?? 5)), true);
  server.addHandler(
    'app.*.bad',
    async (_body: Buffer, ctx: { deadLetter: (code: string, reason: string) => void }) => ctx.deadLetter('INVALID_PAYLOAD', 'no'),
    true,
  );
  server.listen(() => undefined);
  const fake = fakeChannel(calls);
  // Queues are declared on channels of their own (queue-declaration.spec.ts covers them).
  const declaring = { on: jest.fn(), once: jest.fn(), assertQueue: jest.fn(async () => undefined), close: jest.fn(async () => undefined) };
  await setup!({ createConfirmChannel: async () => fake.channel, createChannel: async () => declaring });
  return { server, calls, logged, deliver: fake.deliver };
}

describe('AmqpServer', () => {
  it('on close, acks every in-flight message and closes its channel before the connection', async () => {
    const t = await started({ handlerMs: 20 });
    for (let tag = 1; tag <= 3; tag++) t.deliver(message(tag, 'app.a.outgoing'));

    await Promise.all([t.server.close(), t.server.close()]);

    expect(t.calls).toEqual(['cancel', 'ack 1', 'ack 2', 'ack 3', 'channel.close', 'connection.close']);
  });

  it('dead-letters a message no handler matches: confirmed, acked, one log line without the body, reported', async () => {
    const events: DeadLetterEvent[] = [];
    const t = await started({ onDeadLetter: (e) => events.push(e) });

    t.deliver(message(7, 'somewhere.else', '{"text":"secret words"}'));
    await new Promise((r) => setTimeout(r, 20));

    expect(t.calls).toEqual(['publish dlx somewhere.else', 'ack 7']);
    expect(events).toEqual([{ code: 'NO_HANDLER', reason: 'no handler for routing key somewhere.else', routingKey: 'somewhere.else', origin: 'transport' }]);
    expect(t.logged).toEqual([['message dead-lettered', { code: 'NO_HANDLER', reason: events[0].reason, routingKey: 'somewhere.else' }]]);
    expect(JSON.stringify(t.logged)).not.toContain('secret words');
  });

  it('reports a handler\'s dead-letter too, without logging it again (the handler logs its refusals)', async () => {
    const events: DeadLetterEvent[] = [];
    const t = await started({ onDeadLetter: (e) => events.push(e) });

    t.deliver(message(8, 'app.a.bad'));
    await new Promise((r) => setTimeout(r, 20));

    expect(events).toEqual([{ code: 'INVALID_PAYLOAD', reason: 'no', routingKey: 'app.a.bad', origin: 'handler' }]);
    expect(t.logged).toEqual([]);
  });
});
