import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { QueueDepthSampler } from './queue-depth.sampler';

@Global()
@Module({ controllers: [MetricsController], providers: [MetricsService, QueueDepthSampler], exports: [MetricsService] })
export class MetricsModule {}
