import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminAuthService } from './admin-auth.service';
import { AdminRateLimitGuard, adminRateLimitOptions } from './admin-rate-limit.guard';

/**
 * The admin plane's lock (docs/tokens.md): global guards, in this order, on every HTTP route
 * not marked @Public(): the rate limit, then the admin credential.
 */
@Module({
  imports: [
    JwtModule.register({}),
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => adminRateLimitOptions(config.admin.rateLimitPerMinute),
    }),
  ],
  providers: [
    AdminAuthService,
    { provide: APP_GUARD, useClass: AdminRateLimitGuard },
    { provide: APP_GUARD, useClass: AdminAuthGuard },
  ],
})
export class AuthModule {}
