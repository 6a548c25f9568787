import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';

const connect = jest.fn();
jest.mock('amqplib', () => ({ ...jest.requireActual('amqplib'), connect: (...args: unknown[]) => connect(...args) }));

import { AmqpConnection, AmqpConnectionOptions } from './amqp-connection';

/** A stand-in for amqplib's ChannelModel: closes (emits 'close') on demand. */
function fakeModel() {
  const model = Object.assign(new EventEmitter(), { close: jest.fn(async () => undefined) });
  return model;
}

const logger = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('AmqpConnection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'amqp-tls-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const tls = { caFile: file('ca.pem', 'CA-1'), certFile: file('engine.pem', 'CERT-1'), keyFile: file('engine.key', 'KEY-1') };
  const options = (over: Partial<AmqpConnectionOptions> = {}): AmqpConnectionOptions => ({
    name: 'test',
    hostname: '127.0.0.1',
    port: 5671,
    vhost: '/',
    credentials: () => ({ external: true }),
    tls,
    backoff: { initialMs: 1, maxMs: 1 },
    logger,
    ...over,
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => connect.mockReset());

  it('connects over TLS with SASL EXTERNAL, and reads the certificate files again at every reconnection', async () => {
    const models = [fakeModel(), fakeModel()];
    connect.mockResolvedValueOnce(models[0]).mockResolvedValueOnce(models[1]);
    const conn = new AmqpConnection(options());
    await conn.start();

    const [url, socket] = connect.mock.calls[0];
    expect(url).toMatchObject({ protocol: 'amqps', hostname: '127.0.0.1', port: 5671 });
    expect(url).not.toHaveProperty('password');
    expect(socket.credentials.mechanism).toBe('EXTERNAL');
    expect([socket.ca, socket.cert, socket.key].map(String)).toEqual(['CA-1', 'CERT-1', 'KEY-1']);
    // An address host: the certificate is still checked against it (no IP in SNI, see serverIdentity).
    const cert = (subjectaltname: string) => ({ subject: { CN: 'broker' }, subjectaltname }) as never;
    expect(socket.checkServerIdentity('amqp-broker.invalid', cert('DNS:localhost, IP Address:127.0.0.1'))).toBeUndefined();
    expect(socket.checkServerIdentity('amqp-broker.invalid', cert('DNS:amqp-broker.invalid, IP Address:10.0.0.1'))?.message).toMatch(/IP: 127.0.0.1 is not in the cert's list/);

    // Renewed on disk; the connection drops: the next one presents the new certificate.
    writeFileSync(tls.certFile, 'CERT-2');
    writeFileSync(tls.keyFile, 'KEY-2');
    models[0].emit('close', new Error('lost'));
    await new Promise<void>((resolve) => conn.on('state', (s) => s === 'connected' && resolve()));
    const [, again] = connect.mock.calls[1];
    expect([again.cert, again.key].map(String)).toEqual(['CERT-2', 'KEY-2']);
    await conn.close();
  });

  it('connects again when the connection closes during the setups, even when every setup swallows its errors', async () => {
    const models = [fakeModel(), fakeModel()];
    connect.mockResolvedValueOnce(models[0]).mockResolvedValueOnce(models[1]);
    const conn = new AmqpConnection(options());
    const setups: unknown[] = [];
    conn.onConnected(async (model) => {
      setups.push(model);
      // The broker drops the first connection while it is being set up (e.g. 541 on a delivery).
      if (model === (models[0] as never)) models[0].emit('close', new Error('541'));
    });
    await conn.start();
    expect(setups).toEqual([models[0], models[1]]);
    expect(conn.current).toBe(models[1]);
    expect(conn.isConnected).toBe(true);
    await conn.close();
  });

  it('logs in with PLAIN over plain AMQP when given a password and no TLS files', async () => {
    connect.mockResolvedValueOnce(fakeModel());
    const conn = new AmqpConnection(options({ tls: undefined, credentials: () => ({ username: 'engine', password: 'pw' }) }));
    await conn.start();
    const [url, socket] = connect.mock.calls[0];
    expect(url.protocol).toBe('amqp');
    expect(socket.credentials.mechanism).toBe('PLAIN');
    expect(socket.credentials.response().toString()).toBe('\0engine\0pw');
    expect(socket).not.toHaveProperty('cert');
    await conn.close();
  });

  it('never attempts EXTERNAL without a client certificate: it keeps retrying instead', async () => {
    connect.mockResolvedValue(fakeModel());
    const warnings: unknown[] = [];
    const conn = new AmqpConnection(options({ tls: { caFile: tls.caFile }, logger: { ...logger, warn: (_m, ctx) => warnings.push(ctx) } }));
    const started = conn.start();
    await new Promise((r) => setTimeout(r, 30));
    expect(connect).not.toHaveBeenCalled();
    expect(conn.connectionState).not.toBe('connected');
    expect(warnings).toContainEqual(expect.objectContaining({ error: 'SASL EXTERNAL needs a TLS client certificate' }));
    await conn.close();
    await started;
  });
});
