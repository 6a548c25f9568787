import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { BrokerModule } from './broker';
import { HttpExceptionFilter } from './common/errors';
import { LoggingModule } from './common/logging';
import { AppConfig, ConfigModule } from './config';
import { DatabaseModule } from './database';
import { HealthModule } from './health/health.module';

/** The whole engine: the HTTP admin plane and the message pipeline share these modules. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), LoggingModule, DatabaseModule, BrokerModule, HealthModule],
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
