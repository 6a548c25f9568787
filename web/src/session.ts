import { ApiError, BrokerToken } from './api';

const STORAGE_KEY = 'messaging-engine.session';
const RETRY_MS = 10_000;

/**
 * The signed-in user and their broker token, kept fresh: refreshed over the user API
 * (POST /v1/me/token) a fifth of its lifetime before it expires (at most five minutes before),
 * and at once when asked for a token that is about to expire (the SDK asks before every
 * reconnect). Kept in sessionStorage, so a reload stays signed in and each tab may be someone else.
 */
export class Session {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<string> | undefined;

  constructor(
    readonly userId: string,
    private current: BrokerToken,
    private readonly renew: (token: string) => Promise<BrokerToken>,
    private readonly expired: (error: Error) => void,
  ) {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ userId, token: current }));
    this.schedule();
  }

  static stored(): { userId: string; token: BrokerToken } | null {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as { userId: string; token: BrokerToken } | null;
      return saved && saved.token.expires_at > Date.now() ? saved : null;
    } catch {
      return null;
    }
  }

  /**
   * The broker's MQTT over WebSocket URL, the only kind a browser can use: `wss://` on an https://
   * page (a browser refuses `ws://` there); on an http:// page `ws://` first (MQTT_WS_URL), as a
   * browser trusts no development CA for `wss://`.
   */
  get webSocketUrl(): string | undefined {
    const urls = this.current.mqtt_urls;
    const secure = urls.find((url) => url.startsWith('wss://'));
    if (location.protocol === 'https:') return secure;
    return urls.find((url) => url.startsWith('ws://')) ?? secure;
  }

  /** The engine's PATH_PREFIX, read off the token's inbox subscription (`{prefix}/{me}/#`). */
  get pathPrefix(): string {
    return this.current.subscribe[0].slice(0, -`/${this.userId}/#`.length);
  }

  get rawToken(): string {
    return this.current.token;
  }

  /** The token, renewed first when it is due. */
  async token(): Promise<string> {
    return Date.now() >= this.renewAt() ? this.refresh() : this.current.token;
  }

  end(): void {
    clearTimeout(this.timer);
    sessionStorage.removeItem(STORAGE_KEY);
  }

  private renewAt(): number {
    const lead = Math.min(5 * 60_000, (this.current.expires_in * 1000) / 5);
    return this.current.expires_at - lead;
  }

  private schedule(delay = this.renewAt() - Date.now()): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh().catch(() => undefined), Math.max(0, delay));
  }

  private refresh(): Promise<string> {
    this.refreshing ??= this.renew(this.current.token)
      .then((fresh) => {
        this.current = fresh;
        sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ userId: this.userId, token: fresh }));
        this.schedule();
        return fresh.token;
      })
      .catch((err: unknown) => {
        // 401: expired or refused (a disabled user): signed out. Anything else: try again soon.
        if (err instanceof ApiError && (err.status === 401 || err.status === 409)) this.expired(err);
        else this.schedule(RETRY_MS);
        throw err;
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }
}
