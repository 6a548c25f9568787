import { refreshTokenFrom, TokenRefresher, TokenRefreshError } from '@app/client';
import { BrokerToken } from './api';

const STORAGE_KEY = 'messaging-engine.session';
const RETRY_MS = 10_000;

/**
 * The signed-in user and their broker token, kept fresh: traded for a new one over the user API
 * (POST /v1/me/token, the SDK's refreshTokenFrom) a fifth of its lifetime before it expires (at most
 * five minutes before), and at once when asked for a token that is due (the SDK asks before every
 * reconnect). Kept in sessionStorage, so a reload stays signed in and each tab may be someone else.
 */
export class Session {
  private readonly refresher: TokenRefresher;
  private expiresAt: number;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly userId: string,
    private readonly issued: BrokerToken,
    private readonly expired: (error: Error) => void,
  ) {
    this.refresher = refreshTokenFrom(location.origin, issued.token);
    this.expiresAt = issued.expires_at;
    this.save();
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
    const urls = this.issued.mqtt_urls;
    const secure = urls.find((url) => url.startsWith('wss://'));
    if (location.protocol === 'https:') return secure;
    return urls.find((url) => url.startsWith('ws://')) ?? secure;
  }

  /** The engine's PATH_PREFIX, read off the token's inbox subscription (`{prefix}/{me}/#`). */
  get pathPrefix(): string {
    return this.issued.subscribe[0].slice(0, -`/${this.userId}/#`.length);
  }

  get rawToken(): string {
    return this.refresher.token;
  }

  /** The token, renewed first when it is due. */
  async token(): Promise<string> {
    return Date.now() >= this.renewAt() ? this.refresh() : this.refresher.token;
  }

  end(): void {
    clearTimeout(this.timer);
    sessionStorage.removeItem(STORAGE_KEY);
  }

  /** A refresh keeps the lifetime: the same lead before each expiry. */
  private renewAt(): number {
    return this.expiresAt - Math.min(5 * 60_000, (this.issued.expires_in * 1000) / 5);
  }

  private schedule(delay = this.renewAt() - Date.now()): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh().catch(() => undefined), Math.max(0, delay));
  }

  private async refresh(): Promise<string> {
    try {
      const token = await this.refresher();
      this.expiresAt = this.refresher.expiresAt ?? this.expiresAt;
      this.save();
      this.schedule();
      return token;
    } catch (err) {
      // 401: expired, or the user is disabled: signed out. Anything else (the engine away, 429): try again soon.
      if (err instanceof TokenRefreshError && err.status === 401) this.expired(err);
      else this.schedule(RETRY_MS);
      throw err;
    }
  }

  private save(): void {
    const token: BrokerToken = { ...this.issued, token: this.refresher.token, expires_at: this.expiresAt };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ userId: this.userId, token }));
  }
}
