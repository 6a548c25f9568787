import { AmqpContext } from '@app/amqp-transport';
import { RejectionCode } from '@app/protocol';
import { applyOutcome, deliveryOf } from './pipeline.controller';

function context(active = true) {
  const message = { content: Buffer.from('{}'), fields: { redelivered: true, deliveryTag: 42 }, properties: { headers: {} } };
  let live = active;
  const ctx = new AmqpContext([message as never, 'apps.tilechat.users.alice.bob.messages.outgoing', () => live]);
  return { ctx, message, close: () => (live = false) };
}

describe('the pipeline door', () => {
  it('hands a handler the message as plain values, liveness read at the time asked', () => {
    const { ctx, message, close } = context();
    const delivery = deliveryOf(message.content, ctx);
    expect(delivery).toEqual(expect.objectContaining({ routingKey: 'apps.tilechat.users.alice.bob.messages.outgoing', body: message.content, redelivered: true, order: 42 }));
    expect(delivery.isLive()).toBe(true);
    close();
    expect(delivery.isLive()).toBe(false);
  });

  it('acks an accepted message untouched', async () => {
    const { ctx } = context();
    await expect(applyOutcome(ctx, { kind: 'accepted' })).resolves.toBeUndefined();
    expect(ctx.deadLetterMark).toBeNull();
  });

  it('sends a refusal\'s notice before the ack, and fails (so the transport retries) when the notice fails', async () => {
    const { ctx } = context();
    const notice = jest.fn(async () => undefined);
    await applyOutcome(ctx, { kind: 'refused', code: RejectionCode.BLOCKED, reason: 'blocked', notice });
    expect(notice).toHaveBeenCalledTimes(1);
    expect(ctx.deadLetterMark).toBeNull();
    await expect(applyOutcome(ctx, { kind: 'refused', code: RejectionCode.BLOCKED, reason: 'blocked', notice: async () => Promise.reject(new Error('nacked')) })).rejects.toThrow('nacked');
  });

  it('marks a dead letter with its code and leaves the notice to the transport, to run once the move is confirmed', async () => {
    const { ctx } = context();
    const notice = jest.fn(async () => undefined);
    await applyOutcome(ctx, { kind: 'dead-letter', code: RejectionCode.INVALID_PAYLOAD, reason: 'not JSON', notice });
    expect(notice).not.toHaveBeenCalled();
    expect(ctx.deadLetterMark).toEqual({ code: 'INVALID_PAYLOAD', reason: 'not JSON', afterwards: notice });
  });

  it('fails a message to be retried with its cause, so the broker delivers it again', async () => {
    const { ctx } = context();
    const cause = new Error('connection refused');
    await expect(applyOutcome(ctx, { kind: 'retry', reason: 'connection refused', cause })).rejects.toBe(cause);
    await expect(applyOutcome(ctx, { kind: 'retry', reason: 'shutting down' })).rejects.toThrow('shutting down');
  });
});
