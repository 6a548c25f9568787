import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AmqpServer } from '@app/amqp-transport';
import { AppConfig } from '../config';

/**
 * The pipeline is "up" while no message in the engine's hands has waited longer than
 * READINESS_MAX_MESSAGE_AGE_MS: connections can all be up while a step holds every message (a
 * database that takes connections but no writes), and readiness must say so.
 */
@Injectable()
export class PipelineHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly server: AmqpServer,
    private readonly config: AppConfig,
  ) {}

  check(key = 'pipeline') {
    const indicator = this.health.check(key);
    const age = this.server.oldestInFlightAgeMs();
    const bound = this.config.pipeline.maxMessageAgeMs;
    const details = { oldest_message_age_ms: age, max_message_age_ms: bound };
    return age <= bound ? indicator.up(details) : indicator.down(details);
  }
}
