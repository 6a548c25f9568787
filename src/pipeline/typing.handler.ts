import { Injectable, Logger } from '@nestjs/common';
import { parseTyping, TopicLayout } from '@app/protocol';
import { MetricsService } from '../metrics/metrics.service';
import { TypingDisposition, TypingRelay } from '../typing/typing-relay';
import { ACCEPTED, Delivery, Outcome } from './outcome';
import { describeKey } from './refusals';

/** What became of an indicator, including what the door drops before the relay sees it. */
export type TypingOutcome = TypingDisposition | 'malformed' | 'redelivered';

/**
 * `{prefix}/{me}/{peer}/typing` with `{"state": "typing" | "paused"}` (docs/receipts.md#typing).
 * Fire-and-forget: always acked, never answered, never dead-lettered, never retried. Whatever is
 * dropped (malformed, over the typing rate, refused by the policy, redelivered, a failed publish)
 * is counted by outcome and logged at debug: a typing indicator is worth nothing once late, and
 * the typist is never told why one was dropped (it must not reveal a block).
 */
@Injectable()
export class TypingHandler {
  private readonly logger = new Logger(TypingHandler.name);

  constructor(
    private readonly topics: TopicLayout,
    private readonly relay: TypingRelay,
    private readonly metrics: MetricsService,
  ) {}

  async handle(message: Delivery): Promise<Outcome> {
    this.metrics.received.inc({ kind: 'typing' });
    const outcome = await this.decide(message);
    this.metrics.typing.inc({ outcome });
    return ACCEPTED;
  }

  private async decide(message: Delivery): Promise<TypingOutcome> {
    const topic = this.topics.parseRoutingKey(message.routingKey);
    if (topic?.kind !== 'typing') return this.dropped('malformed', { routingKey: describeKey(message.routingKey) }, 'not a valid typing topic');
    const { owner: user, peer } = topic;
    // Back after a consumer crash or a lost channel: late by then.
    if (message.redelivered) return this.dropped('redelivered', { user_id: user });
    // Before the body is read, so malformed indicators count against the rate too.
    if (!this.relay.admit(user, peer)) return this.dropped('rate_limited', { user_id: user });
    const command = parseTyping(message.body);
    if (!command.ok) return this.dropped('malformed', { user_id: user }, command.reason);
    const disposition = await this.relay.relay(user, peer, command.value.state);
    if (disposition !== 'relayed') return this.dropped(disposition, { user_id: user });
    return disposition;
  }

  private dropped(outcome: TypingOutcome, context: Record<string, unknown>, reason?: string): TypingOutcome {
    const line = { ...context, outcome, ...(reason && { reason }) };
    // The broker's fault, not the typist's: worth seeing without debug logs.
    if (outcome === 'publish_failed') this.logger.warn(line, 'typing indicator dropped');
    else this.logger.debug(line, 'typing indicator dropped');
    return outcome;
  }
}
