import { HealthIndicatorService } from '@nestjs/terminus';
import { AmqpServer } from '@app/amqp-transport';
import { AppConfig, validateEnv } from '../config';
import { PipelineHealthIndicator } from './pipeline.health';

describe('PipelineHealthIndicator', () => {
  const config = new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32), READINESS_MAX_MESSAGE_AGE_MS: '5000' }));
  const indicator = (age: number) =>
    new PipelineHealthIndicator(new HealthIndicatorService(), { oldestInFlightAgeMs: () => age } as unknown as AmqpServer, config);

  it('is up while the oldest message in hand is within the bound, down past it, with the age', () => {
    expect(indicator(0).check()).toEqual({ pipeline: { status: 'up', oldest_message_age_ms: 0, max_message_age_ms: 5000 } });
    expect(indicator(5000).check().pipeline.status).toBe('up');
    expect(indicator(5001).check()).toEqual({ pipeline: { status: 'down', oldest_message_age_ms: 5001, max_message_age_ms: 5000 } });
  });
});
