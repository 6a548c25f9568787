import { ConsumeMessage } from 'amqplib';
import { AmqpConnection, AmqpLogger } from './amqp-connection';
import { AmqpPublisher, MessageTooLargeError } from './amqp-publisher';
import { AmqpServer } from './amqp.server';
import { DroppedDeadLetter } from './dead-letter';

const silent: AmqpLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** Every channel the server opens, recording declarations, consumers and acks. */
function fakeModel() {
  const declared: Array<[string, Record<string, unknown> | undefined]> = [];
  const consumers = new Map<string, (msg: ConsumeMessage) => void>();
  const acked: number[] = [];
  const channel = () => ({
    on: jest.fn(),
    once: jest.fn(),
    assertExchange: jest.fn(async () => undefined),
    assertQueue: jest.fn(async (name: string, options: { arguments?: Record<string, unknown> }) => declared.push([name, options.arguments])),
    bindQueue: jest.fn(async () => undefined),
    prefetch: jest.fn(async () => undefined),
    consume: jest.fn(async (queue: string, fn: (msg: ConsumeMessage) => void) => {
      consumers.set(queue, fn);
      return { consumerTag: `ctag-${queue}` };
    }),
    ack: jest.fn((msg: ConsumeMessage) => acked.push(msg.fields.deliveryTag)),
    close: jest.fn(async () => undefined),
  });
  return { model: { createChannel: async () => channel(), createConfirmChannel: async () => channel() }, declared, consumers, acked };
}

function dropped(tag: number, headers: Record<string, unknown>): ConsumeMessage {
  return { content: Buffer.from('x'), fields: { deliveryTag: tag }, properties: { headers } } as unknown as ConsumeMessage;
}

describe('AmqpServer dead-letter cap', () => {
  it('declares the dropped queue first, then the capped dead-letter queue feeding it, and counts each drop once', async () => {
    const drops: DroppedDeadLetter[] = [];
    const declarations: string[] = [];
    let setup: ((model: unknown) => Promise<void>) | undefined;
    const connection = { isConnected: true, on: jest.fn(), onConnected: (fn: typeof setup) => (setup = fn), start: jest.fn(async () => undefined) };
    const server = new AmqpServer({
      connection: connection as unknown as AmqpConnection,
      exchange: 'amq.topic',
      queue: 'engine',
      deadLetter: { exchange: 'dlx', queue: 'dlq', cap: { maxLength: 5, maxBytes: 4096, droppedQueue: 'dlq.dropped' } },
      prefetch: 10,
      onDeadLetterDropped: (e) => drops.push(e),
      onDeadLetterQueueDeclared: (d) => declarations.push(d),
      logger: silent,
    });
    server.listen(() => undefined);
    const fake = fakeModel();
    await setup!(fake.model);

    expect(fake.declared.map(([name]) => name)).toEqual(['dlq.dropped', 'dlq', 'engine']);
    expect(fake.declared[1][1]).toMatchObject({ 'x-max-length': 5, 'x-max-length-bytes': 4096, 'x-overflow': 'drop-head', 'x-dead-letter-routing-key': 'dlq.dropped' });
    expect(fake.declared[2][1]).toMatchObject({ 'x-dead-letter-exchange': 'dlx' });
    expect(declarations).toEqual(['declared']);

    const consume = fake.consumers.get('dlq.dropped')!;
    consume(dropped(1, { 'x-reject-code': 'INVALID_PAYLOAD', 'x-death': [] }));
    consume(dropped(2, { 'x-reject-code': Buffer.from('NO_HANDLER') }));
    consume(dropped(3, {}));
    expect(drops).toEqual([{ code: 'INVALID_PAYLOAD' }, { code: 'NO_HANDLER' }, { code: null }]);
    expect(fake.acked).toEqual([1, 2, 3]);
  });
});

describe('AmqpPublisher', () => {
  it('refuses a body larger than the broker takes without sending it (the broker would close the channel)', async () => {
    let onConnected: ((model: unknown) => Promise<void>) | undefined;
    const connection = { isConnected: true, onConnected: (fn: typeof onConnected) => (onConnected = fn) };
    const sent: number[] = [];
    const channel = {
      on: jest.fn(),
      once: jest.fn(),
      publish: jest.fn((_e: string, _k: string, body: Buffer, _o: unknown, done: (err?: Error) => void) => {
        sent.push(body.length);
        setImmediate(() => done());
        return true;
      }),
    };
    const publisher = new AmqpPublisher(connection as unknown as AmqpConnection, { maxMessageBytes: 100 });
    await onConnected!({ createConfirmChannel: async () => channel });

    await expect(publisher.publish({ exchange: 'amq.topic', routingKey: 'k', body: Buffer.alloc(100) })).resolves.toBeUndefined();
    const refused = publisher.publish({ exchange: 'amq.topic', routingKey: 'k', body: Buffer.alloc(101) });
    await expect(refused).rejects.toBeInstanceOf(MessageTooLargeError);
    await expect(refused).rejects.toMatchObject({ permanent: true, bytes: 101, maxBytes: 100 });
    expect(sent).toEqual([100]);
  });
});
