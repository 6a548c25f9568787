import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { checkServerIdentity, PeerCertificate } from 'node:tls';
import { connect, credentials as sasl, ChannelModel, Options } from 'amqplib';
import { backoffDelay, BackoffOptions, DEFAULT_BACKOFF, sleep } from './backoff';

/**
 * A broker login: a username and password (SASL PLAIN), or `{ external: true }` (SASL EXTERNAL:
 * the broker takes the identity from the TLS client certificate, so `tls` must name one).
 */
export type AmqpCredentials = { username: string; password: string } | { external: true };

/**
 * AMQP over TLS: PEM files, read again before every connection attempt, so certificates replaced
 * on disk are used from the next (re)connection on without a restart. `caFile` unset: the
 * system's CAs; `certFile` and `keyFile`: the client certificate (needed for EXTERNAL).
 */
export interface AmqpTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface AmqpLogger {
  log(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

export interface AmqpConnectionOptions {
  /** Name used in logs and in the broker's connection list (client property connection_name). */
  name: string;
  hostname: string;
  port: number;
  vhost: string;
  /** Called before every connection attempt. */
  credentials: () => AmqpCredentials | Promise<AmqpCredentials>;
  /** Connect with TLS (amqps), with these files; unset: plain AMQP. */
  tls?: AmqpTlsFiles;
  heartbeatSeconds?: number;
  backoff?: BackoffOptions;
  logger: AmqpLogger;
}

/** The wait before a prompt reconnection (reconnectPromptly). */
const PROMPT_RECONNECT_MS = 20;

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

/**
 * One AMQP connection that keeps itself up: it connects, and after any loss reconnects with
 * exponential backoff (one log line per attempt) until close() is called. Users register
 * onConnected callbacks to (re)build their channels and topology on every new connection, and
 * may listen to `lost` (the error the broker closed the connection with) to learn why it went.
 */
export class AmqpConnection extends EventEmitter {
  private model: ChannelModel | null = null;
  private state: ConnectionState = 'disconnected';
  private readonly stop = new AbortController();
  private loop: Promise<void> | null = null;
  private readonly setups: Array<(model: ChannelModel) => Promise<void>> = [];
  private lost: (() => void) | null = null;
  private prompt = false;

  constructor(private readonly options: AmqpConnectionOptions) {
    super();
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  get current(): ChannelModel | null {
    return this.model;
  }

  /** Registers a callback run on every new connection, before it counts as connected. */
  onConnected(setup: (model: ChannelModel) => Promise<void>): void {
    this.setups.push(setup);
    if (this.model && this.isConnected) void setup(this.model).catch((err) => this.fail(err));
  }

  /** Starts connecting in the background; resolves after the first connection or when closed. */
  start(): Promise<void> {
    if (!this.loop) this.loop = this.run();
    return new Promise((resolve) => {
      if (this.isConnected || this.state === 'closed') return resolve();
      const done = (state: ConnectionState) => {
        if (state === 'connected' || state === 'closed') {
          this.off('state', done);
          resolve();
        }
      };
      this.on('state', done);
    });
  }

  /**
   * Makes the next reconnection prompt, without backoff: for a loss whose cause the caller knows
   * and deals with (the broker refusing one delivery), not a broker in trouble.
   */
  reconnectPromptly(): void {
    this.prompt = true;
  }

  async close(): Promise<void> {
    this.stop.abort();
    const model = this.model;
    this.model = null;
    if (model) await model.close().catch(() => undefined);
    this.lost?.();
    await this.loop?.catch(() => undefined);
    this.setState('closed');
  }

  private setState(state: ConnectionState, detail?: Record<string, unknown>): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
    const ctx = { connection: this.options.name, state, ...detail };
    if (state === 'connected') this.options.logger.log('broker connection up', ctx);
    else if (state === 'disconnected') this.options.logger.warn('broker connection down', ctx);
  }

  private fail(err: unknown): void {
    this.options.logger.error('broker connection setup failed', {
      connection: this.options.name,
      error: errorMessage(err),
    });
    void this.model?.close().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
    let attempt = 0;
    while (!this.stop.signal.aborted) {
      attempt++;
      this.setState('connecting');
      try {
        const model = await this.connectOnce();
        attempt = 0;
        await this.untilLost(model);
      } catch (err) {
        if (this.prompt) attempt = 0;
        const delay = this.prompt ? PROMPT_RECONNECT_MS : backoffDelay(attempt, backoff);
        this.prompt = false;
        if (this.stop.signal.aborted) break;
        this.setState('disconnected', { error: errorMessage(err) });
        this.options.logger.warn('broker connection attempt failed; retrying', {
          connection: this.options.name,
          attempt,
          retryInMs: delay,
          error: errorMessage(err),
        });
        await sleep(delay, this.stop.signal);
      }
    }
  }

  private async connectOnce(): Promise<ChannelModel> {
    const login = await this.options.credentials();
    const { hostname, tls } = this.options;
    const url: Options.Connect = {
      protocol: tls ? 'amqps' : 'amqp',
      hostname,
      port: this.options.port,
      vhost: this.options.vhost,
      heartbeat: this.options.heartbeatSeconds ?? 15,
    };
    const socketOptions: Record<string, unknown> = { clientProperties: { connection_name: this.options.name } };
    if ('external' in login) {
      if (!tls?.certFile) throw new Error('SASL EXTERNAL needs a TLS client certificate');
      socketOptions.credentials = sasl.external();
    } else {
      socketOptions.credentials = sasl.plain(login.username, login.password);
    }
    if (tls) Object.assign(socketOptions, await readTlsFiles(tls), serverIdentity(hostname));
    const model = await connect(url, socketOptions);
    // The broker's reason for closing (also when it closes during the setups below).
    model.on('error', (err: Error) => {
      this.options.logger.warn('broker connection error', { connection: this.options.name, error: err.message });
      this.emit('lost', err);
    });
    let closedWith: Error | null = null;
    model.once('close', (err?: Error) => (closedWith = err ?? new Error('connection closed')));
    try {
      for (const setup of this.setups) await setup(model);
    } catch (err) {
      await model.close().catch(() => undefined);
      throw err;
    }
    // Closed while being set up (a setup that swallows its own errors cannot tell): it never counts
    // as connected, or nothing would notice it is gone and the consumer would wait for ever.
    if (closedWith) throw closedWith;
    this.model = model;
    return model;
  }

  private untilLost(model: ChannelModel): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        if (this.model === model) this.model = null;
        this.lost = null;
        if (this.stop.signal.aborted) resolve();
        else reject(err ?? new Error('connection closed'));
      };
      this.lost = () => finish();
      model.once('close', (err?: Error) => finish(err));
      this.setState('connected');
    });
  }
}

/** The PEM files as buffers, read now (a replaced file counts from the next connection on). */
async function readTlsFiles(tls: AmqpTlsFiles): Promise<{ ca?: Buffer; cert?: Buffer; key?: Buffer }> {
  const read = (file?: string) => (file ? readFile(file) : Promise.resolve(undefined));
  const [ca, cert, key] = await Promise.all([read(tls.caFile), read(tls.certFile), read(tls.keyFile)]);
  return { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
}

/**
 * The broker's certificate is checked against `hostname`, a name or an address in its subject
 * alternative names. For an address: SNI carries host names only (RFC 6066) and Node warns once
 * (DEP0123, a plain-text line amid the JSON logs) when given one, but amqplib always sets SNI to
 * the host. So a reserved name goes in SNI (the broker does not use it) and the certificate is
 * checked against the address here.
 */
function serverIdentity(hostname: string): Record<string, unknown> {
  if (!isIP(hostname)) return {};
  return {
    servername: 'amqp-broker.invalid',
    checkServerIdentity: (_sni: string, cert: PeerCertificate) => checkServerIdentity(hostname, cert),
  };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
