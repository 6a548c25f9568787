import { Logger } from '@nestjs/common';
import { ErrorCode, RejectionCode, TopicLayout } from '@app/protocol';
import { DomainError } from '../common/errors';
import { AppConfig, validateEnv } from '../config';
import { GroupsService } from '../groups/groups.service';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyService } from '../policy/policy.service';
import { GroupCommandHandler } from './group-command.handler';
import { Delivery, Outcome } from './outcome';

const KEY = 'apps.tilechat.users.alice.groups.group-1.command';
const GROUP = { group_id: 'group-1', name: 'G', owner: 'alice', members: [{ user_id: 'alice', role: 'owner' as const, joined_at: 1 }], created_at: 1, updated_at: 1 };

function command(body: object | string, routingKey = KEY): Delivery {
  return { routingKey, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), redelivered: false, isLive: () => true, order: 1 };
}

function setup(options: { disabled?: boolean } = {}) {
  const answers: Array<{ topic: string; result: Record<string, unknown> }> = [];
  const delivery = { publishTo: jest.fn(async (topic: string, result: Record<string, unknown>) => void answers.push({ topic, result })) };
  const groups = { apply: jest.fn(async () => GROUP) };
  const policy = {
    admit: jest.fn(() => null),
    checkSender: jest.fn(async () => (options.disabled ? { code: RejectionCode.SENDER_DISABLED, reason: 'the sender is disabled' } : null)),
  };
  const handler = new GroupCommandHandler(
    new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32) })),
    new TopicLayout('apps/tilechat/users'),
    groups as unknown as GroupsService,
    delivery as unknown as DeliveryPublisher,
    new MetricsService(),
    policy as unknown as PolicyService,
  );
  return { handler, groups, answers };
}

const notice = async (outcome: Outcome) => {
  if (outcome.kind === 'refused' || outcome.kind === 'dead-letter') await outcome.notice?.();
};

describe('GroupCommandHandler', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('applies a command as its publisher and answers with the group and the command_id', async () => {
    const t = setup();
    expect(await t.handler.handle(command({ action: 'update', name: 'G', command_id: 'c-1' }))).toEqual({ kind: 'accepted' });
    expect(t.groups.apply).toHaveBeenCalledWith('group-1', { action: 'update', name: 'G', command_id: 'c-1' }, { kind: 'user', userId: 'alice' });
    expect(t.answers).toEqual([
      { topic: 'apps/tilechat/users/alice/groups/group-1/result', result: expect.objectContaining({ action: 'update', command_id: 'c-1', ok: true, group: expect.objectContaining({ member_count: 1 }) }) },
    ]);
  });

  it('refuses a disabled user\'s command with SENDER_DISABLED and changes nothing', async () => {
    const t = setup({ disabled: true });
    expect(await t.handler.handle(command({ action: 'create', name: 'Spam', members: ['bob'] }))).toEqual({ kind: 'accepted' });
    expect(t.groups.apply).not.toHaveBeenCalled();
    expect(t.answers[0].result).toMatchObject({ action: 'create', ok: false, code: RejectionCode.SENDER_DISABLED });
  });

  it('answers a command the rules refuse with its code, and retries (throws) on any other failure', async () => {
    const t = setup();
    t.groups.apply.mockRejectedValueOnce(new DomainError(ErrorCode.FORBIDDEN, 'only the owner'));
    expect(await t.handler.handle(command({ action: 'delete' }))).toEqual({ kind: 'accepted' });
    expect(t.answers[0].result).toMatchObject({ action: 'delete', ok: false, code: ErrorCode.FORBIDDEN });
    t.groups.apply.mockRejectedValueOnce(new Error('database down'));
    await expect(t.handler.handle(command({ action: 'delete' }))).rejects.toThrow('database down');
  });

  it('dead-letters what cannot be read, answering with the command_id it could read', async () => {
    const t = setup();
    const outcome = await t.handler.handle(command('{"action":"explode","command_id":"c-9"}'));
    expect(outcome).toMatchObject({ kind: 'dead-letter', code: RejectionCode.INVALID_PAYLOAD });
    await notice(outcome);
    expect(t.answers[0].result).toMatchObject({ ok: false, code: RejectionCode.INVALID_PAYLOAD, command_id: 'c-9' });
    const badTopic = await t.handler.handle(command({ action: 'leave' }, 'apps.tilechat.users.alice.groups.bob.command'));
    expect(badTopic).toMatchObject({ kind: 'dead-letter', code: RejectionCode.INVALID_TOPIC });
  });
});
