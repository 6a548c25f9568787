import { Logger } from '@nestjs/common';
import { ErrorCode, newMessageId, RejectionCode, TopicLayout } from '@app/protocol';
import { DomainError } from '../common/errors';
import { AppConfig, validateEnv } from '../config';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { MessageEditsService } from '../message-edits/message-edits.service';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyService } from '../policy/policy.service';
import { MessageUpdateHandler } from './message-update.handler';
import { Delivery, Outcome } from './outcome';

const ID = newMessageId(Date.now());
const KEY = `apps.tilechat.users.alice.bob.messages.${ID}.update`;
const RESULT = `apps/tilechat/users/alice/bob/messages/${ID}/result`;

function update(body: object | string, routingKey = KEY): Delivery {
  return { routingKey, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), redelivered: false, isLive: () => true, order: 1 };
}

function setup(options: { disabled?: boolean; blocked?: boolean; blockMode?: 'reject' | 'silent'; limited?: boolean } = {}) {
  const answers: Array<{ topic: string; result: Record<string, unknown> }> = [];
  const delivery = { publishTo: jest.fn(async (topic: string, result: Record<string, unknown>) => void answers.push({ topic, result })) };
  const edits = { update: jest.fn(async (id: string) => ({ _id: id, edited_at: 42 })) };
  const policy = {
    admit: jest.fn(() => (options.limited ? { code: RejectionCode.RATE_LIMITED, reason: 'too fast' } : null)),
    checkSender: jest.fn(async () => (options.disabled ? { code: RejectionCode.SENDER_DISABLED, reason: 'the sender is disabled' } : null)),
    inBlock: jest.fn(async () => options.blocked ?? false),
  };
  const handler = new MessageUpdateHandler(
    new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32), BLOCK_MODE: options.blockMode ?? 'reject' })),
    new TopicLayout('apps/tilechat/users'),
    edits as unknown as MessageEditsService,
    delivery as unknown as DeliveryPublisher,
    new MetricsService(),
    policy as unknown as PolicyService,
  );
  return { handler, edits, answers };
}

const notice = async (outcome: Outcome) => {
  if (outcome.kind === 'refused' || outcome.kind === 'dead-letter') await outcome.notice?.();
};

describe('MessageUpdateHandler', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('edits as the publisher, in the topic\'s conversation, and answers on the result topic with the command_id', async () => {
    const t = setup();
    expect(await t.handler.handle(update({ text: 'fixed', command_id: 'c-1' }))).toEqual({ kind: 'accepted' });
    expect(t.edits.update).toHaveBeenCalledWith(ID, { text: 'fixed', command_id: 'c-1' }, { kind: 'user', userId: 'alice', peer: 'bob' });
    expect(t.answers).toEqual([{ topic: RESULT, result: { command_id: 'c-1', ok: true, edited_at: 42, message_id: ID, timestamp: expect.any(Number) } }]);
  });

  it('answers a delete with deleted_at', async () => {
    const t = setup();
    t.edits.update.mockResolvedValueOnce({ _id: ID, deleted_at: 7 } as never);
    await t.handler.handle(update({ deleted: true }));
    expect(t.answers[0].result).toMatchObject({ ok: true, deleted_at: 7 });
    expect(t.answers[0].result).not.toHaveProperty('edited_at');
  });

  it.each([ErrorCode.MESSAGE_NOT_FOUND, ErrorCode.NOT_THE_SENDER, ErrorCode.EDIT_WINDOW_PASSED, ErrorCode.NOT_A_MEMBER, ErrorCode.GROUP_NOT_FOUND])('answers %s from the rules and acks', async (code) => {
    const t = setup();
    t.edits.update.mockRejectedValueOnce(new DomainError(code, 'no'));
    expect(await t.handler.handle(update({ text: 'x', command_id: 'c-2' }))).toEqual({ kind: 'accepted' });
    expect(t.answers[0]).toEqual({ topic: RESULT, result: expect.objectContaining({ ok: false, code, command_id: 'c-2' }) });
  });

  it('retries (throws) on any other failure, answering nothing', async () => {
    const t = setup();
    t.edits.update.mockRejectedValueOnce(new Error('database down'));
    await expect(t.handler.handle(update({ deleted: true }))).rejects.toThrow('database down');
    t.edits.update.mockRejectedValueOnce(new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'busy'));
    await expect(t.handler.handle(update({ deleted: true }))).rejects.toThrow('busy');
    expect(t.answers).toEqual([]);
  });

  it('refuses a disabled user, and an edit in a block (BLOCKED, or a pretended ok in silent mode), changing nothing; a delete is not blocked', async () => {
    const disabled = setup({ disabled: true });
    await disabled.handler.handle(update({ deleted: true }));
    expect(disabled.answers[0].result).toMatchObject({ ok: false, code: RejectionCode.SENDER_DISABLED });
    const blocked = setup({ blocked: true });
    await blocked.handler.handle(update({ text: 'x' }));
    expect(blocked.answers[0].result).toMatchObject({ ok: false, code: RejectionCode.BLOCKED });
    await blocked.handler.handle(update({ deleted: true }));
    expect(blocked.edits.update).toHaveBeenCalledTimes(1);
    const silent = setup({ blocked: true, blockMode: 'silent' });
    await silent.handler.handle(update({ text: 'x' }));
    expect(silent.answers[0].result).toMatchObject({ ok: true, edited_at: expect.any(Number) });
    expect(silent.edits.update).not.toHaveBeenCalled();
    expect(disabled.edits.update).not.toHaveBeenCalled();
  });

  it('answers odd bodies with VALIDATION_FAILED (acked) and dead-letters what cannot be read, answering once moved', async () => {
    const t = setup();
    for (const body of [{ text: '' }, { deleted: false }, { deleted: true, text: 'x' }, { text: 5 }, { text: 'a\u0000' }, {}, { text: 'x', command_id: 'c'.repeat(129) }]) {
      expect(await t.handler.handle(update(body))).toEqual({ kind: 'accepted' });
    }
    expect(t.answers.map((a) => a.result.code)).toEqual(Array(7).fill(ErrorCode.VALIDATION_FAILED));
    const notJson = await t.handler.handle(update('{"text": "x", "command_id": "c-3"'));
    expect(notJson).toMatchObject({ kind: 'dead-letter', code: RejectionCode.INVALID_PAYLOAD });
    await notice(notJson);
    const huge = await t.handler.handle(update({ text: 'x'.repeat(70_000) }));
    expect(huge).toMatchObject({ kind: 'dead-letter', code: RejectionCode.PAYLOAD_TOO_LARGE });
    expect(t.edits.update).not.toHaveBeenCalled();
  });

  it('dead-letters a malformed topic without an answer, and answers a rate-limited update', async () => {
    const t = setup();
    const badId = await t.handler.handle(update({ deleted: true }, 'apps.tilechat.users.alice.bob.messages.not-an-id.update'));
    expect(badId).toMatchObject({ kind: 'dead-letter', code: RejectionCode.INVALID_TOPIC });
    await notice(badId);
    expect(t.answers).toEqual([]);
    const limited = setup({ limited: true });
    const outcome = await limited.handler.handle(update({ deleted: true, command_id: 'c-4' }));
    expect(outcome).toMatchObject({ kind: 'refused', code: RejectionCode.RATE_LIMITED });
    await notice(outcome);
    expect(limited.answers[0]).toEqual({ topic: RESULT, result: expect.objectContaining({ ok: false, code: RejectionCode.RATE_LIMITED, command_id: 'c-4' }) });
  });
});
