import { Global, Module } from '@nestjs/common';
import { DeadLetterMetrics } from './dead-letter.metrics';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { QueueDepthSampler } from './queue-depth.sampler';

@Global()
@Module({ controllers: [MetricsController], providers: [MetricsService, QueueDepthSampler, DeadLetterMetrics], exports: [MetricsService] })
export class MetricsModule {}
