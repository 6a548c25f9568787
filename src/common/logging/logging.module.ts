import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { LoggerModule, Params } from 'nestjs-pino';
import type { Options } from 'pino-http';
import pretty from 'pino-pretty';
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

/**
 * A person at a terminal in development reads pino-pretty's coloured lines; everywhere else
 * (containers, files, pipes, tests: all parse JSON lines) the logs stay JSON.
 */
export function readableLogs(nodeEnv: string, stdoutIsTTY: boolean | undefined): boolean {
  return nodeEnv === 'development' && stdoutIsTTY === true;
}

export function loggerParams(config: AppConfig, stdoutIsTTY = process.stdout.isTTY): Params {
  const options: Options = {
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
  };
  if (!readableLogs(config.nodeEnv, stdoutIsTTY)) return { pinoHttp: options };
  // In the main thread (sync), not as a worker transport: a terminal in development needs no more.
  return { pinoHttp: [options, pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })] };
}

/** Structured logs (pino) with a request id per HTTP request and secrets redacted. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => loggerParams(config),
    }),
  ],
})
export class LoggingModule {}
