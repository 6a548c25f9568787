import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections';
import { UsersModule } from '../users/users.module';
import { TokensController } from './tokens.controller';
import { TokensService } from './tokens.service';

/** Broker tokens for users (BrokerJwtService comes from the global BrokerModule), and cutting users off. */
@Module({
  imports: [UsersModule, ConnectionsModule],
  controllers: [TokensController],
  providers: [TokensService],
  exports: [TokensService],
})
export class TokensModule {}
