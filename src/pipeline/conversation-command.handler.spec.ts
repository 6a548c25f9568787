import { Logger } from '@nestjs/common';
import { RejectionCode, TopicLayout } from '@app/protocol';
import { DomainError, ErrorCode } from '../common/errors';
import { ConversationArchivesService } from '../conversations/conversation-archives.service';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyService } from '../policy/policy.service';
import { ConversationCommandHandler, parseConversationCommand } from './conversation-command.handler';
import { Delivery, Outcome } from './outcome';

const ARCHIVE_KEY = 'apps.tilechat.users.alice.conversations.bob.archive';
const UNARCHIVE_KEY = 'apps.tilechat.users.alice.conversations.bob.unarchive';
const RESULT = 'apps/tilechat/users/alice/conversations/bob/result';

function command(body: string | Buffer, routingKey = ARCHIVE_KEY): Delivery {
  return { routingKey, body: Buffer.isBuffer(body) ? body : Buffer.from(body), redelivered: false, isLive: () => true, order: 1 };
}

function setup() {
  const answers: Array<{ topic: string; result: Record<string, unknown> }> = [];
  const delivery = { publishTo: jest.fn(async (topic: string, result: Record<string, unknown>) => void answers.push({ topic, result })) };
  const archives = { archive: jest.fn(async () => undefined), unarchive: jest.fn(async () => undefined) };
  let allowance = Infinity;
  let disabled = false;
  const policy = {
    admit: jest.fn(() => (allowance-- > 0 ? null : { code: RejectionCode.RATE_LIMITED, reason: 'too fast' })),
    checkSender: jest.fn(async () => (disabled ? { code: RejectionCode.SENDER_DISABLED, reason: 'disabled' } : null)),
  };
  const handler = new ConversationCommandHandler(
    new TopicLayout('apps/tilechat/users'),
    archives as unknown as ConversationArchivesService,
    delivery as unknown as DeliveryPublisher,
    new MetricsService(),
    policy as unknown as PolicyService,
  );
  return { handler, archives, answers, limitTo: (n: number) => (allowance = n), disable: () => (disabled = true) };
}

async function sendNotice(outcome: Outcome): Promise<void> {
  if (outcome.kind === 'refused' || outcome.kind === 'dead-letter') await outcome.notice?.();
}

describe('parseConversationCommand', () => {
  it('takes an empty body or any JSON object (its fields are ignored)', () => {
    for (const body of ['', '  ', '{}', '{"command_id":"x","odd":[1]}']) expect(parseConversationCommand(Buffer.from(body)).ok).toBe(true);
  });

  it('refuses what is not one small JSON object', () => {
    expect(parseConversationCommand(Buffer.from('nope'))).toMatchObject({ ok: false, code: RejectionCode.INVALID_PAYLOAD });
    expect(parseConversationCommand(Buffer.from('[1]'))).toMatchObject({ ok: false, code: RejectionCode.INVALID_PAYLOAD });
    expect(parseConversationCommand(Buffer.from('null'))).toMatchObject({ ok: false, code: RejectionCode.INVALID_PAYLOAD });
    expect(parseConversationCommand(Buffer.from(`{"x":"${'a'.repeat(2000)}"}`))).toMatchObject({ ok: false, code: RejectionCode.PAYLOAD_TOO_LARGE });
  });
});

describe('ConversationCommandHandler', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it("archives and unarchives the topic's conversation for the topic's owner, with no answer of its own (the service tells the devices)", async () => {
    const t = setup();
    expect(await t.handler.handle(command(''), 'archive')).toEqual({ kind: 'accepted' });
    expect(await t.handler.handle(command('{}', UNARCHIVE_KEY), 'unarchive')).toEqual({ kind: 'accepted' });
    expect(t.archives.archive).toHaveBeenCalledWith('alice', 'bob');
    expect(t.archives.unarchive).toHaveBeenCalledWith('alice', 'bob');
    expect(t.answers).toEqual([]);
  });

  it('answers an unknown conversation with MESSAGE_NOT_FOUND on the result topic, and acks it', async () => {
    const t = setup();
    t.archives.archive.mockRejectedValueOnce(new DomainError(ErrorCode.MESSAGE_NOT_FOUND, 'no conversation with bob'));
    expect(await t.handler.handle(command('{}'), 'archive')).toEqual({ kind: 'accepted' });
    expect(t.answers).toEqual([
      { topic: RESULT, result: { action: 'archive', ok: false, code: 'MESSAGE_NOT_FOUND', reason: 'no conversation with bob', timestamp: expect.any(Number) } },
    ]);
  });

  it('lets any other failure through, so the broker delivers the command again', async () => {
    const t = setup();
    t.archives.unarchive.mockRejectedValueOnce(new Error('database down'));
    await expect(t.handler.handle(command('', UNARCHIVE_KEY), 'unarchive')).rejects.toThrow('database down');
    expect(t.answers).toEqual([]);
  });

  it('dead-letters a malformed body and tells the user once the move is confirmed', async () => {
    const t = setup();
    for (const body of ['not json', '[]', `{"pad":"${'x'.repeat(5000)}"}`]) {
      const outcome = await t.handler.handle(command(body), 'archive');
      expect(outcome).toMatchObject({ kind: 'dead-letter' });
      await sendNotice(outcome);
    }
    expect(t.archives.archive).not.toHaveBeenCalled();
    expect(t.answers.map((a) => [a.topic, a.result.code])).toEqual([
      [RESULT, 'INVALID_PAYLOAD'],
      [RESULT, 'INVALID_PAYLOAD'],
      [RESULT, 'PAYLOAD_TOO_LARGE'],
    ]);
  });

  it('dead-letters an invalid topic, answering on the invalid-peer topic of the publisher', async () => {
    const t = setup();
    const outcome = await t.handler.handle(command('{}', 'apps.tilechat.users.alice.conversations.presence.archive'), 'archive');
    expect(outcome).toMatchObject({ kind: 'dead-letter', code: RejectionCode.INVALID_TOPIC });
    await sendNotice(outcome);
    expect(t.answers.map((a) => a.topic)).toEqual(['apps/tilechat/users/alice/conversations/_invalid/result']);
    // An archive topic handed to the unarchive door is not its kind.
    expect(await t.handler.handle(command('{}', ARCHIVE_KEY), 'unarchive')).toMatchObject({ kind: 'dead-letter', code: RejectionCode.INVALID_TOPIC });
    expect(t.archives.archive).not.toHaveBeenCalled();
    expect(t.archives.unarchive).not.toHaveBeenCalled();
  });

  it('refuses a command over the rate and one of a disabled user, telling the user', async () => {
    const t = setup();
    t.limitTo(0);
    const limited = await t.handler.handle(command('{}'), 'archive');
    expect(limited).toMatchObject({ kind: 'refused', code: RejectionCode.RATE_LIMITED });
    await sendNotice(limited);
    const u = setup();
    u.disable();
    expect(await u.handler.handle(command('{}', UNARCHIVE_KEY), 'unarchive')).toEqual({ kind: 'accepted' });
    expect(t.answers[0]).toEqual({ topic: RESULT, result: expect.objectContaining({ action: 'archive', ok: false, code: 'RATE_LIMITED' }) });
    expect(u.answers[0]).toEqual({ topic: RESULT, result: expect.objectContaining({ action: 'unarchive', ok: false, code: 'SENDER_DISABLED' }) });
    expect(t.archives.archive).not.toHaveBeenCalled();
    expect(u.archives.unarchive).not.toHaveBeenCalled();
  });
});
