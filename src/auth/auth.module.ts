import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '../config';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminAuthService } from './admin-auth.service';
import { ADMIN_RATE_LIMITER, AdminRateLimitGuard } from './admin-rate-limit.guard';
import { FixedWindowLimiter } from './fixed-window-limiter';

/**
 * The admin plane's lock (docs/tokens.md): global guards, in this order, on every HTTP route
 * not marked @Public(): the rate limit, then the admin credential.
 */
@Module({
  imports: [JwtModule.register({})],
  providers: [
    AdminAuthService,
    {
      provide: ADMIN_RATE_LIMITER,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new FixedWindowLimiter(config.admin.rateLimitPerMinute, 60_000),
    },
    { provide: APP_GUARD, useClass: AdminRateLimitGuard },
    { provide: APP_GUARD, useClass: AdminAuthGuard },
  ],
})
export class AuthModule {}
