import { Injectable, OnModuleInit } from '@nestjs/common';
import { AmqpServer } from '@app/amqp-transport';
import { MetricsService } from './metrics.service';

/** A bounded label: the codes the engine and the broker write, never free text from a header. */
export function droppedCodeLabel(code: string | null): string {
  return code !== null && /^[A-Za-z_]{1,40}$/.test(code) ? code : 'unknown';
}

/**
 * Counts what happens to dead letters, for every origin (handlers' refusals and the transport's
 * own): moves once confirmed, what the queue's cap drops, and whether the cap is in place.
 * Observes the transport (metrics lean on the broker, never the other way).
 */
@Injectable()
export class DeadLetterMetrics implements OnModuleInit {
  constructor(
    private readonly server: AmqpServer,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.server.observeDeadLetters({
      onDeadLetter: (event) => this.metrics.deadLettered.inc({ code: event.code }),
      onDeadLetterDropped: (event) => this.metrics.deadLettersDropped.inc({ code: droppedCodeLabel(event.code) }),
      onDeadLetterQueueDeclared: (declaration) => this.metrics.deadLetterQueueCapped.set(declaration === 'kept' ? 0 : 1),
    });
  }
}
