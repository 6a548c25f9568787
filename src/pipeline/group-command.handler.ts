import { Injectable, Logger } from '@nestjs/common';
import { commandIdOf, groupNotice, GroupResult, GroupResultCode, isGroupRefusalCode, parseGroupCommand, RejectionCode, TopicLayout } from '@app/protocol';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig } from '../config';
import { GroupsService } from '../groups/groups.service';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyService } from '../policy/policy.service';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { takeCommand } from './command-intake';
import { ACCEPTED, Delivery, Outcome } from './outcome';
import { describeKey } from './refusals';

/** What a result repeats of its command: the action and the client's command_id, when they could be read. */
type Echo = Pick<GroupResult, 'action' | 'command_id'>;

/** The command_id of a command that could not be read as a whole. */
function idOf(message: Delivery): Echo {
  const command_id = commandIdOf(message.body);
  return command_id === undefined ? {} : { command_id };
}

/**
 * Members manage their groups from their own client: `{prefix}/{me}/groups/{groupId}/command`
 * with a GroupCommand; the result is answered on `{prefix}/{me}/groups/{groupId}/result`. The
 * broker only lets a user publish under their own path, so `me` is the publisher, and the rules
 * (group.rules.ts) decide what `me` may do. A command that cannot be read is dead-lettered and,
 * when its topic names the user and the group, answered with ok:false; one the rules refuse is
 * answered with its code and acked.
 */
@Injectable()
export class GroupCommandHandler {
  private readonly logger = new Logger(GroupCommandHandler.name);

  constructor(
    private readonly config: AppConfig,
    private readonly topics: TopicLayout,
    private readonly groups: GroupsService,
    private readonly delivery: DeliveryPublisher,
    private readonly metrics: MetricsService,
    private readonly policy: PolicyService,
  ) {}

  async handle(message: Delivery): Promise<Outcome> {
    this.metrics.received.inc({ kind: 'group-command' });
    const { topic: valid, publisher, limited } = takeCommand(message, 'group-command', this.topics, this.policy);
    if (limited) {
      this.logger.warn({ user_id: publisher, code: limited.code }, 'group command refused');
      const { code, reason } = limited;
      return { kind: 'refused', code, reason, notice: valid ? () => this.answer(valid.owner, valid.peer, { ok: false, code, reason, ...idOf(message) }) : undefined };
    }
    if (!valid) return this.malformed(message, null, RejectionCode.INVALID_TOPIC, `not a valid group command topic: ${describeKey(message.routingKey)}`);
    const { owner: me, peer: groupId } = valid;
    const command = parseGroupCommand(message.body, this.config.pipeline.maxPayloadBytes, this.config.groups.maxMembers);
    if (!command.ok) {
      if (command.code === ErrorCode.VALIDATION_FAILED) return this.refused(me, groupId, { ...idOf(message) }, command.code, command.reason);
      return this.malformed(message, { me, groupId }, command.code as RejectionCode, command.reason);
    }

    const { action, command_id } = command.value;
    const echo = { action, ...(command_id !== undefined && { command_id }) };
    const disabled = await this.policy.checkSender(me);
    if (disabled) return this.refused(me, groupId, echo, disabled.code, disabled.reason);
    try {
      const group = await this.groups.apply(groupId, command.value, { kind: 'user', userId: me });
      // After leaving, the group is no longer the user's to see.
      await this.answer(me, groupId, { ...echo, ok: true, ...(group && action !== 'leave' && { group: groupNotice(group) }) });
    } catch (err) {
      // Domain errors a user can be told about; any other failure is retried (the broker redelivers).
      if (!(err instanceof DomainError && isGroupRefusalCode(err.code))) throw err;
      return this.refused(me, groupId, echo, err.code, err.message);
    }
    return ACCEPTED;
  }

  /** Understood and refused by the rules: answered, and acked. */
  private async refused(me: string, groupId: string, echo: Echo, code: GroupResultCode, reason: string): Promise<Outcome> {
    this.logger.warn({ user_id: me, group_id: groupId, action: echo.action, code, reason }, 'group command refused');
    await this.answer(me, groupId, { ...echo, ok: false, code, reason });
    return ACCEPTED;
  }

  /** A command that can never succeed: dead-lettered, and answered (when its topic names the user and group) once the move is confirmed. */
  private malformed(message: Delivery, to: { me: string; groupId: string } | null, code: RejectionCode, reason: string): Outcome {
    this.logger.warn({ code, reason, routingKey: describeKey(message.routingKey) }, 'group command refused');
    const notice = to ? () => this.answer(to.me, to.groupId, { ok: false, code, reason, ...idOf(message) }) : undefined;
    return { kind: 'dead-letter', code, reason, notice };
  }

  private answer(me: string, groupId: string, outcome: Omit<GroupResult, 'group_id' | 'timestamp'>): Promise<void> {
    const result: GroupResult = { ...outcome, group_id: groupId, timestamp: Date.now() };
    return this.delivery.publishTo(this.topics.groupResult(me, groupId), result);
  }
}
