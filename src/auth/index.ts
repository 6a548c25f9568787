export { AuthModule } from './auth.module';
export { Public } from './public.decorator';
