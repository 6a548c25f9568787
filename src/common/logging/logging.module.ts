import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../../config';
import { REDACT_PATHS } from './redact';

/**
 * Health probes and metrics scrapes come every few seconds and say nothing an operator needs;
 * their lines would bury the admin requests.
 */
const PROBE_PATHS = ['/health', '/metrics'];

function isProbe(url: string): boolean {
  const path = url.split('?')[0];
  return PROBE_PATHS.some((probe) => path === probe || path.startsWith(`${probe}/`));
}

/** Structured JSON logs (pino) with a request id per HTTP request and secrets redacted. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          redact: { paths: REDACT_PATHS, censor: '[redacted]' },
          genReqId: (req, res) => {
            const given = req.headers['x-request-id'];
            const id = typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
            res.setHeader('x-request-id', id);
            return id;
          },
          customProps: () => ({ app: config.appId }),
          autoLogging: { ignore: (req) => isProbe(req.url ?? '') },
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
