import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { DevSignInController } from './dev-sign-in.controller';
import { DevSignInService } from './dev-sign-in.service';

/** POST /v1/dev/sign-in; imported by AppModule only when DEV_SIGN_IN=true. */
@Module({
  imports: [UsersModule, TokensModule],
  controllers: [DevSignInController],
  providers: [DevSignInService],
})
export class DevSignInModule {}
