import { EnvSchema } from './env.schema';
import { brokerMaxMessageBytes } from './message-size';

export interface SigningKey {
  kid: string;
  secret: string;
}

/**
 * The engine's settings, typed and grouped. Built once from the validated environment
 * (validateEnv) and injected wherever a setting is needed.
 */
export type BlockMode = 'reject' | 'silent';

export class AppConfig {
  readonly appId: string;
  readonly nodeEnv: string;
  readonly logLevel: string;
  /** `bodyLimitBytes`: the admin API's largest request body, as sent and once inflated. */
  readonly http: {
    host: string;
    port: number;
    swagger: boolean;
    bodyLimitBytes: number;
    /** Origins allowed to call the user API from a browser (CORS); empty: CORS off. */
    corsOrigins: string[];
  };
  /** POST /v1/dev/sign-in exists (DEV_SIGN_IN; never in production). */
  readonly devSignIn: boolean;
  readonly broker: {
    host: string;
    port: number;
    vhost: string;
    /** PLAIN login (operators' own brokers); unset: EXTERNAL with the client certificate. */
    user?: string;
    password?: string;
    /** AMQP over TLS (amqps) with these files, read at every (re)connection; unset: plain AMQP. */
    tls?: { caFile?: string; certFile?: string; keyFile?: string };
    managementUrl?: string;
    /** What tokens list (mqtt_urls): the TLS URLs first, the plain ones only while MQTT_PLAIN_ENABLED. */
    mqttUrls: string[];
  };
  readonly jwt: { audience: string; activeKey: SigningKey; keys: SigningKey[] };
  /** Lifetimes of users' broker tokens, in seconds. */
  readonly tokens: { defaultTtlSeconds: number; maxTtlSeconds: number };
  /** Admin API authentication (neither apiKey nor jwt: every admin call answers 401) and rate limit. */
  readonly admin: {
    apiKey?: string;
    jwt?: { secret: string; audience?: string; issuer?: string };
    rateLimitPerMinute: number;
  };
  readonly mongo: { uri: string; timeoutMs: number; derivedDb: string };
  readonly pipeline: {
    pathPrefix: string;
    queue: string;
    deadLetterQueue: string;
    deadLetterExchange: string;
    /** The dead-letter queue's cap (x-max-length, x-max-length-bytes; the oldest are dropped beyond it). */
    deadLetterMaxLength: number;
    deadLetterMaxBytes: number;
    /** Where the dead-letter queue drops its oldest messages to be counted (engine_dead_letters_dropped_total). */
    deadLetterDroppedQueue: string;
    prefetch: number;
    maxPayloadBytes: number;
    /** The broker's max_message_size: no engine publish is larger (scripts/broker-config.js renders the same). */
    maxMessageBytes: number;
    batchMaxSize: number;
    batchMaxWaitMs: number;
    rateLimitPerSecond: number;
    rateLimitBurst: number;
    /** Readiness fails while the oldest in-flight message has waited longer (READINESS_MAX_MESSAGE_AGE_MS). */
    maxMessageAgeMs: number;
  };
  readonly policy: {
    requireRegisteredRecipients: boolean;
    blockMode: BlockMode;
    cacheSize: number;
    eventsExchange: string;
  };
  readonly groups: {
    maxMembers: number;
    historyForNewMembers: 'since_join' | 'all';
    historyReplay: number;
  };
  /** How long after sending a sender may edit / delete a message (ms). */
  readonly messages: { editWindowMs: number; deleteWindowMs: number };
  readonly presence: {
    /** The durable queue of connection events and presence commands (`{ENGINE_QUEUE}.presence`). */
    queue: string;
    maxConnectionsPerUser: number;
    maxWatched: number;
    reconcileMs: number;
  };
  readonly typing: {
    /** Per user and conversation (TYPING_RATE_PER_SECOND, TYPING_BURST). */
    ratePerSecond: number;
    burst: number;
    /** Typing is not relayed in larger groups (0: not in groups at all). */
    maxGroupMembers: number;
  };
  readonly shutdownTimeoutMs: number;
  readonly systemSenderId: string;

  constructor(env: EnvSchema) {
    this.appId = env.APP_ID;
    this.nodeEnv = env.NODE_ENV;
    this.logLevel = env.LOG_LEVEL;
    this.http = {
      host: env.HTTP_HOST,
      port: env.HTTP_PORT,
      swagger: env.SWAGGER_ENABLED,
      bodyLimitBytes: env.HTTP_BODY_LIMIT_BYTES,
      corsOrigins: env.CORS_ORIGINS.split(',').filter(Boolean),
    };
    this.devSignIn = env.DEV_SIGN_IN;
    const tlsFiles = { caFile: env.RABBITMQ_TLS_CA_FILE, certFile: env.RABBITMQ_TLS_CERT_FILE, keyFile: env.RABBITMQ_TLS_KEY_FILE };
    const tls = (env.RABBITMQ_TLS ?? Object.values(tlsFiles).some(Boolean)) ? tlsFiles : undefined;
    this.broker = {
      host: env.RABBITMQ_HOST,
      port: env.RABBITMQ_PORT ?? (tls ? 5671 : 5672),
      vhost: env.RABBITMQ_VHOST,
      user: env.RABBITMQ_USER,
      password: env.RABBITMQ_PASSWORD,
      tls,
      managementUrl: env.RABBITMQ_MANAGEMENT_URL,
      mqttUrls: clientUrls(env),
    };
    const activeKey = { kid: env.JWT_KEY_ID, secret: env.JWT_SECRET };
    const previous = (env.JWT_PREVIOUS_KEYS ?? '')
      .split(',')
      .filter(Boolean)
      .map((entry) => {
        const at = entry.indexOf(':');
        return { kid: entry.slice(0, at), secret: entry.slice(at + 1) };
      });
    this.jwt = { audience: env.JWT_AUDIENCE, activeKey, keys: [activeKey, ...previous] };
    this.tokens = { defaultTtlSeconds: env.TOKEN_TTL_SECONDS, maxTtlSeconds: env.TOKEN_MAX_TTL_SECONDS };
    this.admin = {
      apiKey: env.ADMIN_API_KEY,
      jwt: env.ADMIN_JWT_SECRET
        ? { secret: env.ADMIN_JWT_SECRET, audience: env.ADMIN_JWT_AUDIENCE, issuer: env.ADMIN_JWT_ISSUER }
        : undefined,
      rateLimitPerMinute: env.ADMIN_RATE_LIMIT_PER_MINUTE,
    };
    this.mongo = {
      uri: env.MONGODB_URI,
      timeoutMs: env.DB_TIMEOUT_MS,
      derivedDb: env.MONGODB_DERIVED_DB ?? `${databaseName(env.MONGODB_URI)}_derived`,
    };
    this.pipeline = {
      pathPrefix: env.PATH_PREFIX,
      queue: env.ENGINE_QUEUE,
      deadLetterQueue: env.DEAD_LETTER_QUEUE,
      deadLetterExchange: `${env.DEAD_LETTER_QUEUE}.exchange`,
      deadLetterMaxLength: env.DEAD_LETTER_MAX_LENGTH,
      deadLetterMaxBytes: env.DEAD_LETTER_MAX_BYTES,
      deadLetterDroppedQueue: `${env.DEAD_LETTER_QUEUE}.dropped`,
      prefetch: env.AMQP_PREFETCH,
      maxPayloadBytes: env.MAX_PAYLOAD_BYTES,
      maxMessageBytes: brokerMaxMessageBytes(env.MAX_PAYLOAD_BYTES),
      batchMaxSize: env.BATCH_MAX_SIZE,
      batchMaxWaitMs: env.BATCH_MAX_WAIT_MS,
      rateLimitPerSecond: env.RATE_LIMIT_PER_SECOND,
      rateLimitBurst: env.RATE_LIMIT_BURST,
      maxMessageAgeMs: env.READINESS_MAX_MESSAGE_AGE_MS,
    };
    this.policy = {
      requireRegisteredRecipients: env.REQUIRE_REGISTERED_RECIPIENTS,
      blockMode: env.BLOCK_MODE,
      cacheSize: env.POLICY_CACHE_SIZE,
      eventsExchange: env.POLICY_EVENTS_EXCHANGE,
    };
    this.groups = {
      maxMembers: env.GROUP_MAX_MEMBERS,
      historyForNewMembers: env.GROUP_HISTORY_FOR_NEW_MEMBERS,
      historyReplay: env.GROUP_HISTORY_REPLAY,
    };
    this.messages = {
      editWindowMs: env.MESSAGE_EDIT_WINDOW_SECONDS * 1000,
      deleteWindowMs: env.MESSAGE_DELETE_WINDOW_SECONDS * 1000,
    };
    this.presence = {
      queue: `${env.ENGINE_QUEUE}.presence`,
      maxConnectionsPerUser: env.MAX_CONNECTIONS_PER_USER,
      maxWatched: env.PRESENCE_MAX_WATCHED,
      reconcileMs: env.PRESENCE_RECONCILE_SECONDS * 1000,
    };
    this.typing = {
      ratePerSecond: env.TYPING_RATE_PER_SECOND,
      burst: env.TYPING_BURST,
      maxGroupMembers: env.TYPING_MAX_GROUP_MEMBERS,
    };
    this.shutdownTimeoutMs = env.SHUTDOWN_TIMEOUT_MS;
    this.systemSenderId = env.SYSTEM_SENDER_ID;
  }
}

/** The broker's WebSocket URLs among those (browsers can use no other; the CSP lets the engine's pages reach them). */
export function webSocketUrls(urls: readonly string[]): string[] {
  return urls.filter((url) => /^wss?:\/\//.test(url));
}

/** A URL clients reach the broker over without TLS. */
function isPlainMqttUrl(url: string): boolean {
  return /^(mqtt|ws):/.test(url);
}

/**
 * The broker URLs tokens list: TLS ones first, then MQTT_URL and the plain WebSocket one for
 * browsers (MQTT_WS_URL); plain ones only while MQTT_PLAIN_ENABLED (may be empty: crossChecks refuses that).
 */
export function clientUrls(env: Pick<EnvSchema, 'MQTT_URL' | 'MQTT_TLS_URL' | 'MQTT_WSS_URL' | 'MQTT_WS_URL' | 'MQTT_PLAIN_ENABLED'>): string[] {
  const urls = [env.MQTT_TLS_URL, env.MQTT_WSS_URL, env.MQTT_URL, env.MQTT_WS_URL].filter((url): url is string => Boolean(url));
  return [...new Set(urls)].filter((url) => env.MQTT_PLAIN_ENABLED || !isPlainMqttUrl(url));
}

/** The database a MongoDB URI names (the driver's default, `test`, when it names none). */
export function databaseName(uri: string): string {
  const path = /^mongodb(?:\+srv)?:\/\/[^/?]+\/([^?]*)/.exec(uri)?.[1];
  return path ? decodeURIComponent(path) : 'test';
}
