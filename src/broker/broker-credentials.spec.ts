import { JwtService } from '@nestjs/jwt';
import jwt from 'jsonwebtoken';
import { AppConfig, validateEnv } from '../config';
import { BrokerJwtService } from './broker-jwt.service';
import { BrokerCredentials } from './broker-credentials';

const SECRET = 'unit-test-broker-secret-0123456789abcdef';

function credentials(env: Record<string, string> = {}): BrokerCredentials {
  const config = new AppConfig(validateEnv({ JWT_SECRET: SECRET, JWT_KEY_ID: 'k1', ...env }));
  return new BrokerCredentials(config, new BrokerJwtService(new JwtService(), config));
}

const claims = (token: string) => jwt.verify(token, SECRET, { algorithms: ['HS256'] }) as { exp: number; iat: number; sub: string; scope: string[] };

describe('BrokerCredentials', () => {
  afterEach(() => jest.useRealTimers());

  it('logs in over AMQP with the client certificate (EXTERNAL), never with a token, when no broker user is set', () => {
    const creds = credentials();
    expect(creds.amqp()).toEqual({ external: true });
    expect(creds.usesServiceToken).toBe(true);
  });

  it('uses RABBITMQ_USER / RABBITMQ_PASSWORD for AMQP and the management API when set', () => {
    const creds = credentials({ RABBITMQ_USER: 'engine', RABBITMQ_PASSWORD: 'pw' });
    expect(creds.amqp()).toEqual({ username: 'engine', password: 'pw' });
    expect(creds.current()).toEqual({ username: 'engine', password: 'pw' });
    expect(creds.usesServiceToken).toBe(false);
  });

  it('signs a fresh five-minute administrator token for every management call otherwise', () => {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const creds = credentials();
    const first = creds.current();
    expect(first.username).toBe('messaging-engine');
    const c = claims(first.password);
    expect(c.sub).toBe('messaging-engine');
    expect(c.exp - c.iat).toBe(300);
    expect(c.scope).toEqual(expect.arrayContaining(['rabbitmq.configure:*/*', 'rabbitmq.tag:administrator']));
    expect(jwt.decode(first.password, { complete: true })!.header.kid).toBe('k1');

    jest.setSystemTime(new Date('2030-01-01T01:00:00Z'));
    expect(claims(creds.current().password).exp).toBe(c.exp + 3600); // never a stale one
  });
});
