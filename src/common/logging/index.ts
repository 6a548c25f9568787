export { LoggingModule } from './logging.module';
export { amqpLogger } from './amqp-logger';
export { REDACT_PATHS, redactTokens } from './redact';
