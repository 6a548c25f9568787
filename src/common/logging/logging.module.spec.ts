import { Writable } from 'node:stream';
import pino from 'pino';
import { AppConfig, validateEnv } from '../../config';
import { loggerParams, readableLogs } from './logging.module';

const config = (NODE_ENV: string) => new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32), ADMIN_API_KEY: 'admin-key-for-unit-tests-0123456789abcdef', NODE_ENV }));

describe('logs: readable at a terminal in development, JSON lines elsewhere', () => {
  it('pretty-prints only in development with stdout a terminal', () => {
    expect(readableLogs('development', true)).toBe(true);
    expect(readableLogs('development', false)).toBe(false);
    expect(readableLogs('development', undefined)).toBe(false); // a pipe or a file
    expect(readableLogs('production', true)).toBe(false);
    expect(readableLogs('test', true)).toBe(false);
  });

  it('gives pino its options alone (JSON to stdout) unless pretty, then options and a pino-pretty stream', () => {
    for (const [env, tty] of [['production', true], ['test', true], ['development', false]] as const) {
      const { pinoHttp } = loggerParams(config(env), tty);
      expect(Array.isArray(pinoHttp)).toBe(false);
      expect(pinoHttp).toMatchObject({ level: 'info', redact: { censor: '[redacted]' } });
    }
    const { pinoHttp } = loggerParams(config('development'), true);
    expect(Array.isArray(pinoHttp)).toBe(true);
    const [options, stream] = pinoHttp as [object, Writable];
    expect(options).toMatchObject({ level: 'info', redact: { censor: '[redacted]' } });
    expect(stream).toBeInstanceOf(Writable);
  });

  it('the JSON options write one parseable line per entry, secrets redacted', () => {
    const { pinoHttp } = loggerParams(config('production'), true);
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const { level, redact } = pinoHttp as pino.LoggerOptions;
    pino({ level, redact }, sink).info({ token: 'eyJ.secret' }, 'hello');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ msg: 'hello', token: '[redacted]' });
  });
});
