import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, MongooseHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth';
import { BrokerHealthIndicator } from './broker.health';
import { PipelineHealthIndicator } from './pipeline.health';

@Public()
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: MongooseHealthIndicator,
    private readonly broker: BrokerHealthIndicator,
    private readonly pipeline: PipelineHealthIndicator,
  ) {}

  /** Liveness: the process answers. No dependency is checked. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness (no dependencies)' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: the database answers a ping, the broker connections are up, and no message has been
   * held longer than READINESS_MAX_MESSAGE_AGE_MS; 503 otherwise.
   */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: database ping, broker connections, and no message held too long' })
  ready() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 1500 }),
      () => this.broker.check('broker'),
      () => this.pipeline.check('pipeline'),
    ]);
  }
}
