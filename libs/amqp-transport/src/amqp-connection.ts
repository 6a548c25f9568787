import { EventEmitter } from 'node:events';
import { connect, ChannelModel, Options } from 'amqplib';
import { backoffDelay, BackoffOptions, DEFAULT_BACKOFF, sleep } from './backoff';

export interface AmqpCredentials {
  username: string;
  password: string;
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
  /** Called before every connection attempt, so a token can be fresh on each reconnect. */
  credentials: () => AmqpCredentials | Promise<AmqpCredentials>;
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

  /** Re-authenticates the open connection with a new secret (e.g. a renewed JWT). */
  async updateSecret(secret: string, reason: string): Promise<void> {
    if (this.model) await this.model.updateSecret(Buffer.from(secret), reason);
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
    const { username, password } = await this.options.credentials();
    const url: Options.Connect = {
      protocol: 'amqp',
      hostname: this.options.hostname,
      port: this.options.port,
      vhost: this.options.vhost,
      username,
      password,
      heartbeat: this.options.heartbeatSeconds ?? 15,
    };
    const model = await connect(url, { clientProperties: { connection_name: this.options.name } });
    // The broker's reason for closing (also when it closes during the setups below).
    model.on('error', (err: Error) => {
      this.options.logger.warn('broker connection error', { connection: this.options.name, error: err.message });
      this.emit('lost', err);
    });
    try {
      for (const setup of this.setups) await setup(model);
    } catch (err) {
      await model.close().catch(() => undefined);
      throw err;
    }
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

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
