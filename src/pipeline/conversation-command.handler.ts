import { Injectable, Logger } from '@nestjs/common';
import {
  ConversationResult,
  decodeJsonObject,
  INVALID_TOPIC_PEER,
  MESSAGE_LIFE_LIMITS,
  ParseResult,
  ReceiptResultCode,
  RejectionCode,
  TopicLayout,
} from '@app/protocol';
import { DomainError, ErrorCode } from '../common/errors';
import { ConversationArchivesService } from '../conversations/conversation-archives.service';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyService } from '../policy/policy.service';
import { takeCommand } from './command-intake';
import { ACCEPTED, Delivery, Outcome } from './outcome';
import { describeKey } from './refusals';

export type ConversationAction = ConversationResult['action'];

/**
 * The body of an archive or unarchive command: nothing, or a JSON object of at most a small body's
 * size whose fields are ignored (the topic says it all).
 */
export function parseConversationCommand(body: Buffer): ParseResult<void> {
  if (body.length <= MESSAGE_LIFE_LIMITS.smallBody && body.toString('utf8').trim().length === 0) return { ok: true, value: undefined };
  const decoded = decodeJsonObject(body, MESSAGE_LIFE_LIMITS.smallBody);
  return decoded.ok ? { ok: true, value: undefined } : decoded;
}

/**
 * Users archive and unarchive a conversation from their own client:
 * `{prefix}/{me}/conversations/{peer}/archive` (or `unarchive`), `peer` a user or a group. The
 * change goes to all the user's devices on `.../conversations/{peer}/clientupdated`; a refusal
 * only to the user, on `.../conversations/{peer}/result`. The broker only lets a user publish under
 * their own path, so `me` is the publisher. Both commands set the state whole, so a repeat (a
 * redelivery, a second device) changes nothing more.
 */
@Injectable()
export class ConversationCommandHandler {
  private readonly logger = new Logger(ConversationCommandHandler.name);

  constructor(
    private readonly topics: TopicLayout,
    private readonly archives: ConversationArchivesService,
    private readonly delivery: DeliveryPublisher,
    private readonly metrics: MetricsService,
    private readonly policy: PolicyService,
  ) {}

  async handle(message: Delivery, action: ConversationAction): Promise<Outcome> {
    this.metrics.received.inc({ kind: action });
    const { topic, publisher, limited } = takeCommand(message, action, this.topics, this.policy);
    if (limited) {
      this.logger.warn({ user_id: publisher, action, code: limited.code }, 'conversation command refused');
      const { code, reason } = limited;
      return { kind: 'refused', code, reason, notice: () => this.answer(publisher!, topic?.peer ?? INVALID_TOPIC_PEER, action, code, reason) };
    }
    if (!topic) {
      const reason = `not a valid ${action} topic: ${describeKey(message.routingKey)}`;
      return this.malformed(message, publisher, INVALID_TOPIC_PEER, action, RejectionCode.INVALID_TOPIC, reason);
    }
    const { owner: me, peer } = topic;
    const body = parseConversationCommand(message.body);
    if (!body.ok) return this.malformed(message, me, peer, action, body.code, body.reason);

    const disabled = await this.policy.checkSender(me);
    if (disabled) return this.refused(me, peer, action, disabled.code, disabled.reason);
    try {
      if (action === 'archive') await this.archives.archive(me, peer);
      else await this.archives.unarchive(me, peer);
    } catch (err) {
      // No conversation of the user's: answered. Any other failure is retried (the broker redelivers).
      if (!(err instanceof DomainError && err.code === ErrorCode.MESSAGE_NOT_FOUND)) throw err;
      return this.refused(me, peer, action, err.code, err.message);
    }
    return ACCEPTED;
  }

  /** Understood and refused: answered, and acked. */
  private async refused(me: string, peer: string, action: ConversationAction, code: ReceiptResultCode, reason: string): Promise<Outcome> {
    this.logger.warn({ user_id: me, peer, action, code, reason }, 'conversation command refused');
    await this.answer(me, peer, action, code, reason);
    return ACCEPTED;
  }

  /** A command that can never succeed: dead-lettered, and answered (when its topic names the user) once the move is confirmed. */
  private malformed(message: Delivery, me: string | null, peer: string, action: ConversationAction, code: RejectionCode, reason: string): Outcome {
    this.logger.warn({ action, code, reason, routingKey: describeKey(message.routingKey) }, 'conversation command refused');
    const notice = me ? () => this.answer(me, peer, action, code, reason) : undefined;
    return { kind: 'dead-letter', code, reason, notice };
  }

  private answer(me: string, peer: string, action: ConversationAction, code: ReceiptResultCode, reason: string): Promise<void> {
    const result: ConversationResult = { action, ok: false, code, reason, timestamp: Date.now() };
    return this.delivery.publishTo(this.topics.conversationResult(me, peer), result);
  }
}
