import { Logger } from '@nestjs/common';
import { AmqpLogger } from '@app/amqp-transport';
import { redactTokens } from './redact';

/** Adapts Nest's logger (pino underneath) to the AMQP library's structured logger. */
export function amqpLogger(context: string): AmqpLogger {
  const logger = new Logger(context);
  const clean = (ctx?: Record<string, unknown>) =>
    ctx && typeof ctx.error === 'string' ? { ...ctx, error: redactTokens(ctx.error) } : ctx;
  return {
    log: (message, ctx) => logger.log({ ...clean(ctx) }, message),
    warn: (message, ctx) => logger.warn({ ...clean(ctx) }, message),
    error: (message, ctx) => logger.error({ ...clean(ctx) }, message),
  };
}
