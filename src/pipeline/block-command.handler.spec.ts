import { Logger } from '@nestjs/common';
import { RejectionCode, TopicLayout } from '@app/protocol';
import { BlocksService } from '../blocks/blocks.service';
import { DomainError, ErrorCode } from '../common/errors';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyService } from '../policy/policy.service';
import { BlockCommandHandler } from './block-command.handler';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { Delivery, Outcome } from './outcome';

const COMMAND_KEY = 'apps.tilechat.users.alice.blocks.bob.command';

function command(body: string, routingKey = COMMAND_KEY): Delivery {
  return { routingKey, body: Buffer.from(body), redelivered: false, isLive: () => true, order: 1 };
}

function setup() {
  const answers: Array<{ topic: string; result: Record<string, unknown> }> = [];
  const delivery = { publishTo: jest.fn(async (topic: string, result: Record<string, unknown>) => void answers.push({ topic, result })) };
  const blocks = { block: jest.fn(async () => undefined), unblock: jest.fn(async () => undefined) };
  let allowance = Infinity;
  const policy = { admit: jest.fn(() => (allowance-- > 0 ? null : { code: RejectionCode.RATE_LIMITED, reason: 'too fast' })) };
  const handler = new BlockCommandHandler(
    new TopicLayout('apps/tilechat/users'),
    blocks as unknown as BlocksService,
    delivery as unknown as DeliveryPublisher,
    new MetricsService(),
    policy as unknown as PolicyService,
  );
  return { handler, blocks, answers, limitTo: (n: number) => (allowance = n) };
}

/** Runs a notice the way the door would (at once for a refusal; for a dead letter once its move is confirmed). */
async function sendNotice(outcome: Outcome): Promise<void> {
  if (outcome.kind === 'refused' || outcome.kind === 'dead-letter') await outcome.notice?.();
}

describe('BlockCommandHandler', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('blocks and unblocks the topic\'s peer for the topic\'s owner, and answers ok on the result topic', async () => {
    const t = setup();
    expect(await t.handler.handle(command('{"action":"block"}'))).toEqual({ kind: 'accepted' });
    expect(await t.handler.handle(command('{"action":"unblock"}'))).toEqual({ kind: 'accepted' });
    expect(t.blocks.block).toHaveBeenCalledWith('alice', 'bob');
    expect(t.blocks.unblock).toHaveBeenCalledWith('alice', 'bob');
    expect(t.answers.map((a) => a.topic)).toEqual(['apps/tilechat/users/alice/blocks/bob/result', 'apps/tilechat/users/alice/blocks/bob/result']);
    expect(t.answers.map((a) => [a.result.action, a.result.ok, a.result.blocker, a.result.blocked])).toEqual([
      ['block', true, 'alice', 'bob'],
      ['unblock', true, 'alice', 'bob'],
    ]);
  });

  it('answers a refusal the user can act on (no such user) with ok:false and its code, and acks it', async () => {
    const t = setup();
    t.blocks.block.mockRejectedValueOnce(new DomainError(ErrorCode.USER_NOT_FOUND, 'no user bob'));
    expect(await t.handler.handle(command('{"action":"block"}'))).toEqual({ kind: 'accepted' });
    expect(t.answers[0].result).toEqual(expect.objectContaining({ ok: false, code: 'USER_NOT_FOUND', reason: 'no user bob', action: 'block' }));
  });

  it('lets any other failure through, so the transport retries the command (nothing answered)', async () => {
    const t = setup();
    t.blocks.block.mockRejectedValueOnce(new Error('database down'));
    await expect(t.handler.handle(command('{"action":"block"}'))).rejects.toThrow('database down');
    expect(t.answers).toEqual([]);
  });

  it('dead-letters a malformed command and answers it only once the move is confirmed', async () => {
    const t = setup();
    const outcome = await t.handler.handle(command('{"action":"mute"}'));
    expect(outcome).toEqual(expect.objectContaining({ kind: 'dead-letter', code: RejectionCode.INVALID_PAYLOAD }));
    expect(t.answers).toEqual([]);
    await sendNotice(outcome);
    expect(t.answers).toEqual([{ topic: 'apps/tilechat/users/alice/blocks/bob/result', result: expect.objectContaining({ ok: false, code: 'INVALID_PAYLOAD' }) }]);
    expect(t.blocks.block).not.toHaveBeenCalled();
  });

  it('dead-letters a command on a topic that is not a block command, answering the owner the topic names', async () => {
    const t = setup();
    const outcome = await t.handler.handle(command('{"action":"block"}', 'apps.tilechat.users.alice.blocks.bob.extra.command'));
    expect(outcome).toEqual(expect.objectContaining({ kind: 'dead-letter', code: RejectionCode.INVALID_TOPIC }));
    await sendNotice(outcome);
    expect(t.answers.map((a) => a.result.blocker)).toEqual(['alice']);
  });

  it('refuses a command over the publisher\'s rate without carrying it out, answering with RATE_LIMITED (not dead-lettered)', async () => {
    const t = setup();
    t.limitTo(0);
    const outcome = await t.handler.handle(command('{"action":"block"}'));
    expect(outcome).toEqual(expect.objectContaining({ kind: 'refused', code: RejectionCode.RATE_LIMITED }));
    await sendNotice(outcome);
    expect(t.blocks.block).not.toHaveBeenCalled();
    expect(t.answers[0].result).toEqual(expect.objectContaining({ ok: false, code: 'RATE_LIMITED' }));
  });
});
