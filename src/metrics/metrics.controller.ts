import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth';
import { MetricsService } from './metrics.service';
import { QueueDepthSampler } from './queue-depth.sampler';

/**
 * Prometheus scrape endpoint. Public on purpose, like /health: it sits outside /admin/v1, carries
 * no message content or user data, and scrapers rarely hold admin credentials.
 */
@Public()
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly queues: QueueDepthSampler,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ type: String })
  async scrape(): Promise<string> {
    await this.queues.sample();
    return this.metrics.registry.metrics();
  }
}
