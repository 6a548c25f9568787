import { ChannelModel } from 'amqplib';
import { AmqpLogger } from './amqp-connection';
import { deadLetterQueueArguments, droppedQueueArguments } from './dead-letter';
import { declareQueue } from './queue-declaration';

interface FakeQueue {
  arguments: Record<string, unknown>;
  messages: number;
}

/** A broker as far as declaring goes: it refuses other arguments with 406 and closes the channel, as RabbitMQ does. */
function fakeBroker(queues: Map<string, FakeQueue>) {
  const opened: string[] = [];
  const refuse = (code: number, text: string) => Object.assign(new Error(text), { code });
  const model = {
    createChannel: async () => {
      let closed = false;
      const onClose: Array<() => void> = [];
      const fail = (err: Error) => {
        closed = true;
        onClose.forEach((fn) => fn());
        throw err;
      };
      const guard = () => {
        if (closed) throw new Error('channel closed');
      };
      opened.push('channel');
      return {
        on: () => undefined,
        once: (event: string, fn: () => void) => event === 'close' && onClose.push(fn),
        close: async () => {
          guard();
          closed = true;
        },
        assertQueue: async (name: string, options: { arguments?: Record<string, unknown> }) => {
          guard();
          const args = options.arguments ?? {};
          const existing = queues.get(name);
          if (!existing) queues.set(name, { arguments: args, messages: 0 });
          else if (JSON.stringify(existing.arguments) !== JSON.stringify(args)) fail(refuse(406, `PRECONDITION_FAILED - inequivalent arg for queue '${name}'`));
          return { queue: name, messageCount: queues.get(name)!.messages, consumerCount: 0 };
        },
        deleteQueue: async (name: string, options: { ifEmpty?: boolean }) => {
          guard();
          const existing = queues.get(name);
          if (existing && options.ifEmpty && existing.messages > 0) fail(refuse(406, `PRECONDITION_FAILED - queue '${name}' not empty`));
          queues.delete(name);
          return { messageCount: 0 };
        },
        checkQueue: async (name: string) => {
          guard();
          if (!queues.has(name)) fail(refuse(404, `NOT_FOUND - no queue '${name}'`));
          return { queue: name, messageCount: queues.get(name)!.messages, consumerCount: 0 };
        },
      };
    },
  };
  return { model: model as unknown as ChannelModel, opened };
}

function logger() {
  const warned: string[] = [];
  const log: AmqpLogger = { log: () => undefined, warn: (m) => warned.push(m), error: (m) => warned.push(m) };
  return { log, warned };
}

const cap = { maxLength: 3, maxBytes: 1000, droppedQueue: 'dlq.dropped' };
const capped = { durable: true, arguments: deadLetterQueueArguments(cap) };

describe('declareQueue', () => {
  it('declares a new queue with its arguments', async () => {
    const queues = new Map<string, FakeQueue>();
    const { log, warned } = logger();
    expect(await declareQueue(fakeBroker(queues).model, 'dlq', capped, log)).toBe('declared');
    expect(queues.get('dlq')!.arguments).toEqual({
      'x-max-length': 3,
      'x-max-length-bytes': 1000,
      'x-overflow': 'drop-head',
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'dlq.dropped',
    });
    expect(await declareQueue(fakeBroker(queues).model, 'dlq', capped, log)).toBe('declared'); // the same again: fine
    expect(warned).toEqual([]);
  });

  it('recreates an empty queue an older version declared without the cap', async () => {
    const queues = new Map<string, FakeQueue>([['dlq', { arguments: {}, messages: 0 }]]);
    const { log, warned } = logger();
    expect(await declareQueue(fakeBroker(queues).model, 'dlq', capped, log)).toBe('recreated');
    expect(queues.get('dlq')!.arguments).toEqual(capped.arguments);
    expect(warned).toEqual(['queue redeclared with new arguments (it was empty)']);
  });

  it('keeps a queue that holds messages as it is, and says so', async () => {
    const queues = new Map<string, FakeQueue>([['dlq', { arguments: {}, messages: 5 }]]);
    const { log, warned } = logger();
    expect(await declareQueue(fakeBroker(queues).model, 'dlq', capped, log)).toBe('kept');
    expect(queues.get('dlq')).toEqual({ arguments: {}, messages: 5 });
    expect(warned).toEqual([expect.stringContaining('queue kept without its new arguments')]);
  });

  it('recreates one declared with another cap too', async () => {
    const queues = new Map<string, FakeQueue>([['dlq', { arguments: deadLetterQueueArguments({ ...cap, maxLength: 99 }), messages: 0 }]]);
    expect(await declareQueue(fakeBroker(queues).model, 'dlq', capped, logger().log)).toBe('recreated');
    expect(queues.get('dlq')!.arguments['x-max-length']).toBe(3);
  });

  it('passes on other broker errors', async () => {
    const broken = { createChannel: async () => Promise.reject(Object.assign(new Error('connection closed'), { code: 320 })) };
    await expect(declareQueue(broken as unknown as ChannelModel, 'dlq', capped, logger().log)).rejects.toThrow('connection closed');
  });
});

describe('dead-letter queue arguments', () => {
  it('bounds the dropped queue too, and never refuses a publish (drop-head)', () => {
    expect(droppedQueueArguments(cap)).toEqual({ 'x-max-length': 10_000, 'x-max-length-bytes': 1000, 'x-overflow': 'drop-head' });
    expect(deadLetterQueueArguments(cap)['x-overflow']).toBe('drop-head');
  });
});
