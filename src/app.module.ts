import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth';
import { BrokerModule } from './broker';
import { HttpExceptionFilter } from './common/errors';
import { LoggingModule } from './common/logging';
import { BlocksModule } from './blocks/blocks.module';
import { GroupsModule } from './groups/groups.module';
import { AppConfig, ConfigModule } from './config';
import { ConnectionsModule } from './connections';
import { DatabaseModule } from './database';
import { DeadLettersModule } from './dead-letters/dead-letters.module';
import { HealthModule } from './health/health.module';
import { MeModule } from './me/me.module';
import { MetricsModule } from './metrics/metrics.module';
import { MessageEditsModule } from './message-edits/message-edits.module';
import { PipelineModule } from './pipeline/pipeline.module';
import { TokensModule } from './tokens/tokens.module';
import { UsersModule } from './users/users.module';
import { ConversationsModule } from './conversations/conversations.module';
import { MessagesModule } from './messages/messages.module';
import { PolicyModule } from './policy/policy.module';
import { PresenceModule } from './presence/presence.module';

/** The whole engine: the HTTP admin plane and the message pipeline share these modules. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        AuthModule,
        MetricsModule,
        DatabaseModule,
        BrokerModule,
        HealthModule,
        PolicyModule,
        UsersModule,
        BlocksModule,
        GroupsModule,
        MessagesModule,
        ConversationsModule,
        MessageEditsModule,
        PipelineModule,
        ConnectionsModule,
        PresenceModule,
        TokensModule,
        DeadLettersModule,
        MeModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            whitelist: true,
            forbidNonWhitelisted: true,
            transform: true,
            stopAtFirstError: false,
          }),
        },
      ],
    };
  }
}
