import { clientIdPrefix, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_PRESENCE_MAX_WATCHED, isValidUserId, TopicLayout, USER_ID_RULE } from '@app/protocol';
import { Qos, TransportFactory } from './transport';

/** Where the engine's topics live unless PATH_PREFIX says otherwise. */
export const DEFAULT_PATH_PREFIX = 'apps/tilechat/users';

export interface ReconnectOptions {
  /** First delay after a lost connection (ms). */
  initialDelayMs: number;
  /** Largest delay between attempts (ms). */
  maxDelayMs: number;
}

/** A PEM certificate (text or bytes). */
export type PemCertificate = string | Uint8Array;

export interface ChatClientOptions {
  /** Broker URL: `mqtt://host:1883`, `mqtts://host:8883`, `ws://host:15675/ws`, `wss://host:15676/ws` (a token's `mqtt_urls`). */
  url: string;
  /**
   * For `mqtts://` and `wss://` in Node: the CA certificate(s) (PEM) the broker's certificate must
   * chain to, instead of Node's built-in list; e.g. the local stack's `.stack/dev/rabbitmq/tls/ca.pem`.
   * Unset: Node's CAs. Browsers ignore it and use the system's trust store (libs/client/README.md).
   */
  ca?: PemCertificate | PemCertificate[];
  userId: string;
  /** The user's broker token (a JWT issued by the engine). */
  token: string;
  /**
   * Called before every reconnect attempt for a fresh token (tokens are short-lived). Without it
   * the client reconnects with the token it has, which fails once that token has expired.
   */
  getToken?: () => string | Promise<string>;
  /** MQTT client id; must start with `<userId>~`. Default: `<userId>~<random>`. */
  clientId?: string;
  /** The engine's PATH_PREFIX. */
  pathPrefix?: string;
  /** QoS of sends and of the inbox subscription. Default 1 (QoS 0 sends are lost on a dropped connection). */
  qos?: Qos;
  /** How long send(), the group and the presence commands wait for the engine's answer (ms). Default 30,000. */
  sendTimeoutMs?: number;
  /** The engine's MAX_PAYLOAD_BYTES: bigger messages and group commands are refused before they are sent. */
  maxPayloadBytes?: number;
  /**
   * The engine's GROUP_MAX_MEMBERS: longer member lists in createGroup and addMembers are refused
   * before they are sent. Unbounded unless given (the engine then answers VALIDATION_FAILED or GROUP_FULL).
   */
  maxGroupMembers?: number;
  /**
   * The engine's PRESENCE_MAX_WATCHED: a longer list in watch() is refused before it is sent.
   * Default 500 (the engine's default).
   */
  maxWatchedUsers?: number;
  /** How many recent message ids are remembered to drop redelivered copies. Default 10,000. */
  dedupeCapacity?: number;
  /**
   * Report `delivered` by itself for every message that arrives (coalesced and paced per
   * conversation: see receiptIntervalMs). Default true.
   */
  autoDelivered?: boolean;
  /**
   * Least time between two receipts of one kind in one conversation (ms); the highest in between goes
   * out. A delivered receipt also waits this long after it was asked for (a read one may replace it). Default 500.
   */
  receiptIntervalMs?: number;
  /** Backoff between reconnect attempts, or false to stay closed after a lost connection. */
  reconnect?: ReconnectOptions | false;
  keepaliveSeconds?: number;
  connectTimeoutMs?: number;
  /** The MQTT implementation; mqtt.js unless given. */
  transport?: TransportFactory;
}

export interface ResolvedOptions {
  url: string;
  ca: PemCertificate[] | undefined;
  userId: string;
  token: string;
  getToken: (() => string | Promise<string>) | undefined;
  clientId: string;
  layout: TopicLayout;
  qos: Qos;
  sendTimeoutMs: number;
  maxPayloadBytes: number;
  maxGroupMembers: number;
  maxWatchedUsers: number;
  dedupeCapacity: number;
  autoDelivered: boolean;
  receiptIntervalMs: number;
  reconnect: ReconnectOptions | false;
  keepaliveSeconds: number;
  connectTimeoutMs: number;
}

/** The engine's default PRESENCE_MAX_WATCHED. */
export const DEFAULT_MAX_WATCHED_USERS = DEFAULT_PRESENCE_MAX_WATCHED;

/** At most two receipts of a kind per second per conversation: a burst of messages costs the engine one write, not one each. */
export const DEFAULT_RECEIPT_INTERVAL_MS = 500;

export const DEFAULT_RECONNECT: ReconnectOptions = { initialDelayMs: 500, maxDelayMs: 30_000 };

function randomSuffix(): string {
  return globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 12);
}

const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----';

/** The CA option as a list, refused when it cannot be a CA for this URL. */
function caList(url: string, ca: ChatClientOptions['ca']): PemCertificate[] | undefined {
  if (ca === undefined) return undefined;
  if (!/^(mqtts|wss):/i.test(url)) throw new TypeError('ca applies to mqtts:// and wss:// URLs only');
  const list = Array.isArray(ca) ? ca : [ca];
  if (list.length === 0) throw new TypeError('ca must hold at least one PEM certificate');
  for (const pem of list) {
    const text = typeof pem === 'string' ? pem : pem instanceof Uint8Array ? new TextDecoder().decode(pem) : undefined;
    if (text === undefined || !text.includes(PEM_CERTIFICATE)) {
      throw new TypeError(`ca must be PEM certificates (text or bytes with "${PEM_CERTIFICATE}"), not a file name or a key`);
    }
  }
  return list;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** Fills in defaults and refuses options the broker would refuse later, with a clearer message. */
export function resolveOptions(options: ChatClientOptions): ResolvedOptions {
  const { url, userId, token } = options;
  if (typeof url !== 'string' || !url) throw new TypeError('url is required');
  if (!isValidUserId(userId)) throw new TypeError(`invalid userId "${String(userId)}": ${USER_ID_RULE}`);
  if (typeof token !== 'string' || !token) throw new TypeError('token is required');
  const clientId = options.clientId ?? `${clientIdPrefix(userId)}${randomSuffix()}`;
  if (!clientId.startsWith(clientIdPrefix(userId)) || clientId.length === clientIdPrefix(userId).length) {
    throw new TypeError(`clientId must be "${clientIdPrefix(userId)}" followed by at least one character (the broker token allows no other)`);
  }
  const qos = options.qos ?? 1;
  if (qos !== 0 && qos !== 1) throw new TypeError(`qos must be 0 or 1, got ${String(qos)}`);
  const autoDelivered = options.autoDelivered ?? true;
  if (typeof autoDelivered !== 'boolean') throw new TypeError(`autoDelivered must be a boolean, got ${String(autoDelivered)}`);
  const reconnect = options.reconnect ?? DEFAULT_RECONNECT;
  if (reconnect) {
    positiveInteger('reconnect.initialDelayMs', reconnect.initialDelayMs);
    positiveInteger('reconnect.maxDelayMs', reconnect.maxDelayMs);
  }
  return {
    url,
    ca: caList(url, options.ca),
    userId,
    token,
    getToken: options.getToken,
    clientId,
    layout: new TopicLayout(options.pathPrefix ?? DEFAULT_PATH_PREFIX),
    qos,
    sendTimeoutMs: positiveInteger('sendTimeoutMs', options.sendTimeoutMs ?? 30_000),
    maxPayloadBytes: positiveInteger('maxPayloadBytes', options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES),
    maxGroupMembers: positiveInteger('maxGroupMembers', options.maxGroupMembers ?? Number.MAX_SAFE_INTEGER),
    maxWatchedUsers: positiveInteger('maxWatchedUsers', options.maxWatchedUsers ?? DEFAULT_MAX_WATCHED_USERS),
    dedupeCapacity: positiveInteger('dedupeCapacity', options.dedupeCapacity ?? 10_000),
    autoDelivered,
    receiptIntervalMs: positiveInteger('receiptIntervalMs', options.receiptIntervalMs ?? DEFAULT_RECEIPT_INTERVAL_MS),
    reconnect,
    keepaliveSeconds: positiveInteger('keepaliveSeconds', options.keepaliveSeconds ?? 30),
    connectTimeoutMs: positiveInteger('connectTimeoutMs', options.connectTimeoutMs ?? 10_000),
  };
}
