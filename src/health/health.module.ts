import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BrokerHealthIndicator } from './broker.health';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })],
  controllers: [HealthController],
  providers: [BrokerHealthIndicator],
})
export class HealthModule {}
