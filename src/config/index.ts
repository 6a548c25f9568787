export { AppConfig, webSocketUrls } from './app-config';
export type { BlockMode, SigningKey } from './app-config';
export { ConfigModule } from './config.module';
export { checkEngineConfig, ConfigError, validateEnv } from './env.validation';
export { loadConfig } from './load-config';
export { brokerMaxMessageBytes, ENGINE_ENVELOPE_BYTES, MIN_BROKER_MESSAGE_BYTES } from './message-size';
