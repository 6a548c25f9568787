import { EventEmitter } from 'node:events';
import { ConsumeMessage } from 'amqplib';
import { AmqpConnection, AmqpLogger } from './amqp-connection';
import { AmqpServer } from './amqp.server';
import { DeadLetterEvent } from './dead-letter';

/** A channel that records, in order, what the server does with it. */
function fakeChannel(calls: string[], failPublishes: Array<Error | undefined> = []) {
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
      const failure = failPublishes.shift();
      setImmediate(() => done(failure));
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

async function started(
  options: { onDeadLetter?: (e: DeadLetterEvent) => void; handlerMs?: number; failPublishes?: Array<Error | undefined>; onRefused?: () => void } = {},
) {
  const calls: string[] = [];
  const logged: Array<[string, Record<string, unknown> | undefined]> = [];
  const logger: AmqpLogger = {
    log: () => undefined,
    warn: (message, ctx) => logged.push([message, ctx]),
    error: (message, ctx) => logged.push([message, ctx]),
  };
  let setup: ((model: unknown) => Promise<void>) | undefined;
  const connection = Object.assign(new EventEmitter(), {
    isConnected: true,
    onConnected: (fn: (model: unknown) => Promise<void>) => (setup = fn),
    start: jest.fn(async () => undefined),
    close: jest.fn(async () => calls.push('connection.close')),
    reconnectPromptly: jest.fn(),
  });
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
    async (_body: Buffer, ctx: { deadLetter: (code: string, reason: string, afterwards?: () => Promise<void>) => void }) =>
      ctx.deadLetter('INVALID_PAYLOAD', 'no', async () => {
        calls.push('told the sender');
        options.onRefused?.();
      }),
    true,
  );
  server.listen(() => undefined);
  let fake = fakeChannel(calls, options.failPublishes);
  // Queues are declared on channels of their own (queue-declaration.spec.ts covers them).
  const declaring = { on: jest.fn(), once: jest.fn(), assertQueue: jest.fn(async () => undefined), close: jest.fn(async () => undefined) };
  const connect = async () => {
    fake = fakeChannel(calls, options.failPublishes);
    await setup!({ createConfirmChannel: async () => fake.channel, createChannel: async () => declaring });
  };
  await connect();
  return { server, calls, logged, deliver: (msg: ConsumeMessage) => fake.deliver(msg), channel: () => fake.channel, connection, connect };
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

  it('tells an observer added later too, and a throwing observer stops neither the others nor the ack', async () => {
    const seen: string[] = [];
    const t = await started({ onDeadLetter: (e) => seen.push(`options ${e.code}`) });
    t.server.observeDeadLetters({ onDeadLetter: () => { throw new Error('boom'); } });
    t.server.observeDeadLetters({ onDeadLetter: (e) => seen.push(`added ${e.code}`) });
    t.deliver(message(12, 'app.a.bad'));
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['options INVALID_PAYLOAD', 'added INVALID_PAYLOAD']);
    expect(t.calls).toContain('ack 12');
  });

  it('reports a handler\'s dead-letter too, without logging it again (the handler logs its refusals)', async () => {
    const events: DeadLetterEvent[] = [];
    const t = await started({ onDeadLetter: (e) => events.push(e) });

    t.deliver(message(8, 'app.a.bad'));
    await new Promise((r) => setTimeout(r, 20));

    expect(events).toEqual([{ code: 'INVALID_PAYLOAD', reason: 'no', routingKey: 'app.a.bad', origin: 'handler' }]);
    expect(t.logged).toEqual([]);
  });

  it('tells the sender of a dead-lettered message only once the move is confirmed, once, however often the move failed', async () => {
    const t = await started({ failPublishes: [new Error('nacked')] });
    t.deliver(message(9, 'app.a.bad'));
    await new Promise((r) => setTimeout(r, 30));
    // The failed move was not followed by the notice; the message goes back to the queue.
    expect(t.calls).toEqual(['publish dlx app.a.bad']);
    t.deliver(message(10, 'app.a.bad'));
    await new Promise((r) => setTimeout(r, 30));
    expect(t.calls.filter((c) => c === 'told the sender')).toHaveLength(1);
    expect(t.calls.slice(-3)).toEqual(['publish dlx app.a.bad', 'told the sender', 'ack 10']);
  });

  it('dead-letters a message with a routing key AMQP cannot carry under an empty key, keeping it (cut short) in a header', async () => {
    const t = await started();
    const long = `app.${'r'.repeat(2000)}.bad`;
    t.deliver(message(11, long));
    await new Promise((r) => setTimeout(r, 20));
    expect(t.calls).toEqual(['publish dlx ', 'told the sender', 'ack 11']);
    const headers = (t.channel().publish.mock.calls[0] as unknown[])[3] as { headers: Record<string, string> };
    expect(headers.headers['x-original-routing-key']).toBe(long.slice(0, 1024));
  });

  it('reports how long the oldest message in hand has waited', async () => {
    const t = await started({ handlerMs: 200 });
    expect(t.server.oldestInFlightAgeMs()).toBe(0);
    t.deliver(message(1, 'app.a.outgoing'));
    await new Promise((r) => setTimeout(r, 60));
    t.deliver(message(2, 'app.a.outgoing'));
    expect(t.server.oldestInFlightAgeMs()).toBeGreaterThanOrEqual(50);
    await new Promise((r) => setTimeout(r, 250));
    expect(t.server.oldestInFlightAgeMs()).toBe(0);
  });

  it('after the broker drops it on a delivery, finds the message, takes exactly those before it, has it removed, then consumes with its full window', async () => {
    const t = await started();
    const removed: string[] = [];
    t.server.onUndeliverable({
      locate: async (queue, within) => {
        removed.push(`locate in ${queue} within ${within}`);
        return 3;
      },
      remove: async (queue) => void removed.push(`remove from ${queue} after ${t.calls.filter((c) => c.startsWith('ack')).length} acks`),
    });
    t.connection.emit('lost', Object.assign(new Error('INTERNAL_ERROR'), { code: 541 }));
    expect(t.connection.reconnectPromptly).toHaveBeenCalledTimes(1);

    // Next connection: the three before it come first; after the third the consumer stops.
    const connecting = t.connect();
    await new Promise((r) => setTimeout(r, 5));
    expect(t.channel().prefetch).toHaveBeenLastCalledWith(3);
    for (let tag = 1; tag <= 3; tag++) t.deliver(message(tag, 'app.a.outgoing'));
    await connecting;
    expect(t.channel().cancel).toHaveBeenCalledTimes(1);
    expect(removed).toEqual(['locate in engine within 11', 'remove from engine after 3 acks']);
    expect(t.channel().prefetch).toHaveBeenLastCalledWith(10);
    expect(t.channel().consume).toHaveBeenCalledTimes(2);
  });

  it('removes at once when the undeliverable message is at the head, and consumes as usual when it is gone', async () => {
    const t = await started();
    let at: number | null = 0;
    const removed: string[] = [];
    t.server.onUndeliverable({ locate: async () => at, remove: async (queue) => void removed.push(queue) });
    t.connection.emit('lost', Object.assign(new Error('INTERNAL_ERROR'), { code: 541 }));
    await t.connect();
    expect(removed).toEqual(['engine']);
    expect(t.channel().consume).toHaveBeenCalledTimes(1);
    at = null; // another engine took it first
    t.connection.emit('lost', Object.assign(new Error('INTERNAL_ERROR'), { code: 541 }));
    await t.connect();
    expect(removed).toEqual(['engine']);
    expect(t.channel().prefetch).toHaveBeenLastCalledWith(10);
  });

  it('reconnects with backoff, not at once, while the undeliverable message cannot be found or removed', async () => {
    const t = await started();
    t.server.onUndeliverable({ locate: async () => Promise.reject(new Error('management API unreachable')), remove: async () => undefined });
    t.connection.emit('lost', Object.assign(new Error('INTERNAL_ERROR'), { code: 541 }));
    await t.connect();
    expect(t.logged.map(([m]) => m)).toContain('could not remove the message the broker cannot deliver');
    t.connection.emit('lost', Object.assign(new Error('INTERNAL_ERROR'), { code: 541 }));
    expect(t.connection.reconnectPromptly).toHaveBeenCalledTimes(1);
  });

  it('keeps its full window when the broker drops it for another reason (e.g. a restart)', async () => {
    const t = await started();
    t.connection.emit('lost', Object.assign(new Error('CONNECTION_FORCED'), { code: 320 }));
    expect(t.connection.reconnectPromptly).not.toHaveBeenCalled();
    await t.connect();
    expect(t.channel().prefetch).toHaveBeenLastCalledWith(10);
  });
});
