import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BrokerHealthIndicator } from './broker.health';
import { HealthController } from './health.controller';
import { PipelineHealthIndicator } from './pipeline.health';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })],
  controllers: [HealthController],
  providers: [BrokerHealthIndicator, PipelineHealthIndicator],
})
export class HealthModule {}
