import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminAuthService } from './admin-auth.service';
import { AdminRateLimitGuard, adminRateLimitOptions } from './admin-rate-limit.guard';
import { PolicyModule } from '../policy/policy.module';
import { UserAuthGuard } from './user-auth.guard';
import { UserAuthService } from './user-auth.service';

/**
 * The HTTP locks (docs/tokens.md, docs/user-api.md): global guards, in this order, on every HTTP
 * route not marked @Public(): the user's token (@UserRoute() routes only), the rate limit (per
 * user there, per address elsewhere), then the admin credential (not on @UserRoute() routes).
 */
@Module({
  imports: [
    JwtModule.register({}),
    PolicyModule,
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => adminRateLimitOptions(config.admin.rateLimitPerMinute),
    }),
  ],
  providers: [
    AdminAuthService,
    UserAuthService,
    { provide: APP_GUARD, useClass: UserAuthGuard },
    { provide: APP_GUARD, useClass: AdminRateLimitGuard },
    { provide: APP_GUARD, useClass: AdminAuthGuard },
  ],
})
export class AuthModule {}
