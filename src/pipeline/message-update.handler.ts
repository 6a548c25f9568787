import { Injectable, Logger } from '@nestjs/common';
import {
  commandIdOf,
  ErrorCode,
  isMessageUpdateRefusalCode,
  isValidGroupId,
  MessageUpdateResult,
  MessageUpdateResultCode,
  parseMessageUpdate,
  RejectionCode,
  TopicLayout,
} from '@app/protocol';
import { DomainError } from '../common/errors';
import { AppConfig } from '../config';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { MessageEditsService } from '../message-edits/message-edits.service';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyService } from '../policy/policy.service';
import { takeCommand } from './command-intake';
import { ACCEPTED, Delivery, Outcome } from './outcome';
import { describeKey } from './refusals';

/** Where the update is answered: the editor, the conversation and the message the topic names. */
interface ResultTopic {
  me: string;
  peer: string;
  messageId: string;
}

/** Domain errors an update is answered with besides the edit rules' own: the group the topic names is gone, or the editor left it. */
const GROUP_REFUSALS: ReadonlySet<ErrorCode> = new Set([ErrorCode.GROUP_NOT_FOUND, ErrorCode.NOT_A_MEMBER]);

/**
 * A sender edits or deletes their message: `{prefix}/{me}/{peer}/messages/{messageId}/update`
 * with `{"text": ...}` or `{"deleted": true}` (and an optional command_id, echoed), answered on
 * `.../messages/{messageId}/result`. The broker only lets a user publish under their own path, so
 * `me` is the publisher. An update that cannot be read is dead-lettered and answered (when its
 * topic names the user, the peer and the message); one the rules refuse is answered with its code
 * and acked. Edits respect blocks like new messages (BLOCKED, or with BLOCK_MODE=silent an ok
 * answer and nothing changed); a delete is never blocked: taking one's words back harms no one.
 */
@Injectable()
export class MessageUpdateHandler {
  private readonly logger = new Logger(MessageUpdateHandler.name);

  constructor(
    private readonly config: AppConfig,
    private readonly topics: TopicLayout,
    private readonly edits: MessageEditsService,
    private readonly delivery: DeliveryPublisher,
    private readonly metrics: MetricsService,
    private readonly policy: PolicyService,
  ) {}

  async handle(message: Delivery): Promise<Outcome> {
    this.metrics.received.inc({ kind: 'message-update' });
    const { topic: valid, publisher, limited } = takeCommand(message, 'message-update', this.topics, this.policy);
    const to: ResultTopic | null = valid?.messageId ? { me: valid.owner, peer: valid.peer, messageId: valid.messageId } : null;
    const command_id = commandIdOf(message.body);
    const echo = command_id === undefined ? {} : { command_id };
    if (limited) {
      this.logger.warn({ user_id: publisher, code: limited.code }, 'message update refused');
      const { code, reason } = limited;
      return { kind: 'refused', code, reason, notice: to ? () => this.answer(to, { ...echo, ok: false, code, reason }) : undefined };
    }
    if (!to) return this.malformed(message, null, RejectionCode.INVALID_TOPIC, `not a valid message update topic: ${describeKey(message.routingKey)}`, echo);
    const update = parseMessageUpdate(message.body, this.config.pipeline.maxPayloadBytes);
    if (!update.ok) {
      if (update.code === ErrorCode.VALIDATION_FAILED) return this.refused(to, echo, update.code, update.reason);
      return this.malformed(message, to, update.code as RejectionCode, update.reason, echo);
    }

    const refusal = await this.policy.checkSender(to.me);
    if (refusal) return this.refused(to, echo, refusal.code, refusal.reason);
    const isEdit = 'text' in update.value;
    if (isEdit && !isValidGroupId(to.peer) && (await this.policy.inBlock(to.me, to.peer))) {
      // An edit is new content: blocked like a new message.
      if (this.config.policy.blockMode === 'silent') return this.done(to, { ...echo, ok: true, edited_at: Date.now() });
      return this.refused(to, echo, RejectionCode.BLOCKED, 'one of the two users blocks the other');
    }
    try {
      const changed = await this.edits.update(to.messageId, update.value, { kind: 'user', userId: to.me, peer: to.peer });
      const at = changed.deleted_at !== undefined ? { deleted_at: changed.deleted_at } : { edited_at: changed.edited_at };
      return await this.done(to, { ...echo, ok: true, ...at });
    } catch (err) {
      // Domain errors a user can be told about; any other failure is retried (the broker redelivers).
      if (!(err instanceof DomainError && (isMessageUpdateRefusalCode(err.code) || GROUP_REFUSALS.has(err.code)))) throw err;
      return this.refused(to, echo, err.code as MessageUpdateResultCode, err.message);
    }
  }

  private async done(to: ResultTopic, result: Omit<MessageUpdateResult, 'message_id' | 'timestamp'>): Promise<Outcome> {
    await this.answer(to, result);
    return ACCEPTED;
  }

  /** Understood and refused: answered, and acked. */
  private async refused(to: ResultTopic, echo: { command_id?: string }, code: MessageUpdateResultCode, reason: string): Promise<Outcome> {
    this.logger.warn({ user_id: to.me, message_id: to.messageId, code, reason }, 'message update refused');
    return this.done(to, { ...echo, ok: false, code, reason });
  }

  /** An update that can never succeed: dead-lettered, and answered (when its topic names the user, peer and message) once the move is confirmed. */
  private malformed(message: Delivery, to: ResultTopic | null, code: RejectionCode, reason: string, echo: { command_id?: string }): Outcome {
    this.logger.warn({ code, reason, routingKey: describeKey(message.routingKey) }, 'message update refused');
    const notice = to ? () => this.answer(to, { ...echo, ok: false, code, reason }) : undefined;
    return { kind: 'dead-letter', code, reason, notice };
  }

  private answer(to: ResultTopic, outcome: Omit<MessageUpdateResult, 'message_id' | 'timestamp'>): Promise<void> {
    const result: MessageUpdateResult = { ...outcome, message_id: to.messageId, timestamp: Date.now() };
    return this.delivery.publishTo(this.topics.messageResult(to.me, to.peer, to.messageId), result);
  }
}
