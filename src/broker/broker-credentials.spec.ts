import { ConsoleLogger, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import jwt from 'jsonwebtoken';
import { AmqpConnection } from '@app/amqp-transport';
import { AppConfig, validateEnv } from '../config';
import { BrokerJwtService } from '../tokens/broker-jwt.service';
import { BrokerCredentials } from './broker-credentials';

const SECRET = 'unit-test-broker-secret-0123456789abcdef';
const MINUTE = 60_000;

function credentials(env: Record<string, string> = {}): BrokerCredentials {
  const config = new AppConfig(validateEnv({ JWT_SECRET: SECRET, JWT_KEY_ID: 'k1', ...env }));
  return new BrokerCredentials(config, new BrokerJwtService(new JwtService(), config));
}

/** A stand-in for an open AMQP connection: only what BrokerCredentials calls. */
function connection(fail = false) {
  const secrets: string[] = [];
  const updateSecret = jest.fn(async (secret: string) => {
    if (fail) throw new Error('channel closed');
    secrets.push(secret);
  });
  return { conn: { updateSecret } as unknown as AmqpConnection, updateSecret, secrets };
}

const claims = (token: string) => jwt.verify(token, SECRET, { algorithms: ['HS256'] }) as { exp: number; iat: number; scope: string[] };

describe('BrokerCredentials', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new ConsoleLogger()));

  beforeEach(() => jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('signs itself a one-hour service token when no broker user is set', () => {
    const creds = credentials();
    const { username, password } = creds.current();
    expect(username).toBe('messaging-engine');
    const c = claims(password);
    expect(c.exp - c.iat).toBe(3600);
    expect(c.scope).toEqual(expect.arrayContaining(['rabbitmq.configure:*/*', 'rabbitmq.tag:administrator']));
    expect(jwt.decode(password, { complete: true })!.header.kid).toBe('k1');
  });

  it('renews the token on every tracked connection 10 minutes before it expires, then again and again', async () => {
    const creds = credentials();
    const first = claims(creds.current().password);
    const [a, b] = [connection(), connection()];
    creds.track(a.conn);
    creds.track(b.conn);

    await jest.advanceTimersByTimeAsync(50 * MINUTE - 1);
    expect(a.updateSecret).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(a.updateSecret).toHaveBeenCalledWith(expect.any(String), 'service token renewal');
    expect(b.updateSecret).toHaveBeenCalledTimes(1);
    const renewed = claims(a.secrets[0]);
    expect(renewed.exp).toBe(first.exp + 50 * 60); // a fresh hour, granted before the old one ran out
    expect(renewed.exp - 3600).toBeLessThan(first.exp);

    await jest.advanceTimersByTimeAsync(50 * MINUTE);
    expect(a.updateSecret).toHaveBeenCalledTimes(2);
    expect(claims(a.secrets[1]).exp).toBe(renewed.exp + 50 * 60);
    creds.onModuleDestroy();
  });

  it('keeps renewing the other connections when one refuses the new secret', async () => {
    const creds = credentials();
    const [broken, ok] = [connection(true), connection()];
    creds.track(broken.conn);
    creds.track(ok.conn);
    await jest.advanceTimersByTimeAsync(50 * MINUTE);
    expect(broken.updateSecret).toHaveBeenCalledTimes(1);
    expect(ok.secrets).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(50 * MINUTE);
    expect(ok.secrets).toHaveLength(2);
    creds.onModuleDestroy();
  });

  it('schedules nothing once destroyed, and nothing at all with a broker user and password', async () => {
    const creds = credentials();
    const tracked = connection();
    creds.track(tracked.conn);
    creds.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(120 * MINUTE);
    expect(tracked.updateSecret).not.toHaveBeenCalled();

    const withUser = credentials({ RABBITMQ_USER: 'engine', RABBITMQ_PASSWORD: 'pw' });
    expect(withUser.current()).toEqual({ username: 'engine', password: 'pw' });
    withUser.track(connection().conn);
    expect(jest.getTimerCount()).toBe(0);
  });
});
