export { AppConfig, SigningKey } from './app-config';
export { ConfigModule } from './config.module';
export { ConfigError, validateEnv } from './env.validation';
export { loadConfig } from './load-config';
