import { Channel, ChannelModel, Options } from 'amqplib';
import { AmqpLogger, errorMessage } from './amqp-connection';

/** How a durable queue was found at setup. */
export type QueueDeclaration =
  /** It exists (now) with the arguments asked for. */
  | 'declared'
  /** It existed with other arguments and was empty: it was deleted and declared again with the new ones. */
  | 'recreated'
  /** It exists with other arguments and holds messages: it is used as it is, without the new arguments. */
  | 'kept';

const PRECONDITION_FAILED = 406;

/**
 * Declares a durable queue with its arguments. The broker refuses to redeclare an existing queue
 * with other arguments (PRECONDITION_FAILED, which also closes the channel), e.g. one an older
 * version declared before a cap existed, and arguments cannot be changed in place. So: an empty
 * queue is deleted (only if still empty, atomically) and declared again; one that holds messages
 * is kept as it is, never dropped, and the caller is told (`kept`) so an operator can empty it.
 * Works on channels of its own, since a refused declare closes its channel.
 */
export async function declareQueue(
  model: ChannelModel,
  queue: string,
  options: Options.AssertQueue,
  log: AmqpLogger,
): Promise<QueueDeclaration> {
  if (await attempt(model, (ch) => ch.assertQueue(queue, options))) return 'declared';
  if (await attempt(model, (ch) => ch.deleteQueue(queue, { ifEmpty: true }))) {
    await onChannel(model, (ch) => ch.assertQueue(queue, options));
    log.warn('queue redeclared with new arguments (it was empty)', { queue, arguments: options.arguments });
    return 'recreated';
  }
  // Not empty: keep it. Passive, so a queue that vanished meanwhile is an error, not a surprise.
  await onChannel(model, (ch) => ch.checkQueue(queue));
  log.warn('queue kept without its new arguments: it holds messages (empty it, then restart or reconnect)', {
    queue,
    arguments: options.arguments,
  });
  return 'kept';
}

/** True when the call succeeded, false when the broker refused it with PRECONDITION_FAILED. */
async function attempt(model: ChannelModel, call: (ch: Channel) => Promise<unknown>): Promise<boolean> {
  try {
    await onChannel(model, call);
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === PRECONDITION_FAILED) return false;
    throw err;
  }
}

async function onChannel<T>(model: ChannelModel, call: (ch: Channel) => Promise<T>): Promise<T> {
  const channel = await model.createChannel();
  channel.on('error', () => undefined); // the call rejects with the same error
  let closed = false;
  channel.once('close', () => (closed = true));
  try {
    return await call(channel);
  } catch (err) {
    throw Object.assign(new Error(`${errorMessage(err)}`), { code: (err as { code?: unknown }).code });
  } finally {
    if (!closed) await channel.close().catch(() => undefined);
  }
}
