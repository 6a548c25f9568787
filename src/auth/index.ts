export { AuthModule } from './auth.module';
export { Public } from './public.decorator';
export { CurrentUser, UserRoute } from './user-route.decorator';
export type { UserPrincipal } from './user-route.decorator';
