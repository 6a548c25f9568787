import { DEFAULT_PRESENCE_MAX_WATCHED } from '@app/protocol';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';

/** true/1/yes/on and false/0/no/off; any other string stays a string, which IsBoolean refuses. */
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(word)) return true;
  if (['false', '0', 'no', 'off'].includes(word)) return false;
  return value;
};

/** A TCP port number given as a string in the environment. */
function Port(): PropertyDecorator {
  return (target, key) => {
    for (const decorate of [Type(() => Number), IsInt(), Min(1), Max(65535)]) decorate(target, key);
  };
}

/**
 * Every setting the engine reads, with its default. Validated at boot: a missing or invalid value
 * stops the process with a message naming the variable. Documented in README.md and .env.example.
 */
export class EnvSchema {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: string = 'development';

  @Matches(/^[A-Za-z0-9_-]{1,64}$/)
  APP_ID: string = 'tilechat';

  @IsString()
  @IsNotEmpty()
  HTTP_HOST: string = '127.0.0.1';

  @Port()
  HTTP_PORT: number = 3000;

  /**
   * Largest admin or user API request body, in bytes, as sent and once inflated (gzip, deflate, br): a
   * larger one answers 413 PAYLOAD_TOO_LARGE before it is parsed.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  HTTP_BODY_LIMIT_BYTES: number = 256 * 1024;

  /**
   * Browser origins (comma-separated, e.g. `https://chat.example.com,http://localhost:5173`) allowed
   * to call the user API (/v1/...) from a page (CORS); empty: none (the default). Never the admin API.
   */
  @Matches(/^$|^https?:\/\/[^\s,/]+(,https?:\/\/[^\s,/]+)*$/, {
    message: 'CORS_ORIGINS must be empty or origins like https://app.example.com, comma-separated, without a path or spaces',
  })
  CORS_ORIGINS: string = '';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  @IsString()
  @IsNotEmpty()
  RABBITMQ_HOST: string = 'localhost';

  /** Unset: 5671 (AMQP over TLS) when RABBITMQ_TLS is on, else 5672. */
  @IsOptional()
  @Port()
  RABBITMQ_PORT?: number;

  /**
   * AMQP over TLS (amqps). Unset: on when a RABBITMQ_TLS_* file is set. `true` without a CA file
   * trusts the system's CAs; `false` with a RABBITMQ_TLS_* file set is refused at boot.
   */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  RABBITMQ_TLS?: boolean;

  @IsString()
  @IsNotEmpty()
  RABBITMQ_VHOST: string = '/';

  @IsOptional()
  @IsString()
  RABBITMQ_USER?: string;

  @IsOptional()
  @IsString()
  RABBITMQ_PASSWORD?: string;

  /** AMQP over TLS: the CA (PEM) that signed the broker's certificate; unset: the system's CAs. */
  @IsOptional()
  @IsString()
  RABBITMQ_TLS_CA_FILE?: string;

  /** The engine's client certificate (PEM); with its key and no RABBITMQ_USER: SASL EXTERNAL login. */
  @IsOptional()
  @IsString()
  RABBITMQ_TLS_CERT_FILE?: string;

  /** The client certificate's private key (PEM). */
  @IsOptional()
  @IsString()
  RABBITMQ_TLS_KEY_FILE?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'RABBITMQ_MANAGEMENT_URL must be an http(s) URL' })
  RABBITMQ_MANAGEMENT_URL?: string;

  /** The broker URL given to clients with their tokens (docs/tls.md for the TLS ones below). */
  @Matches(/^(mqtts?|wss?):\/\/[^\s]+$/, { message: 'MQTT_URL must be an mqtt://, mqtts://, ws:// or wss:// URL' })
  MQTT_URL: string = 'mqtt://localhost:1883';

  /** MQTT over TLS given to clients with their tokens (before MQTT_URL); unset: none. */
  @IsOptional()
  @Matches(/^mqtts:\/\/[^\s]+$/, { message: 'MQTT_TLS_URL must be an mqtts:// URL' })
  MQTT_TLS_URL?: string;

  /** MQTT over secure WebSocket given to clients with their tokens (before MQTT_URL); unset: none. */
  @IsOptional()
  @Matches(/^wss:\/\/[^\s]+$/, { message: 'MQTT_WSS_URL must be a wss:// URL' })
  MQTT_WSS_URL?: string;

  /**
   * Plain MQTT over WebSocket given to clients with their tokens (after MQTT_URL): browsers on http://
   * pages (the web app at /app). Pages of the engine may connect to its origin (CSP connect-src).
   */
  @IsOptional()
  @Matches(/^ws:\/\/[^\s'";,]+$/, { message: 'MQTT_WS_URL must be a ws:// URL (wss://: MQTT_WSS_URL)' })
  MQTT_WS_URL?: string;

  /**
   * false: the broker serves no plain MQTT or Web-MQTT (scripts/broker-config.js), and tokens list
   * only the mqtts:// and wss:// URLs.
   */
  @Transform(toBool)
  @IsBoolean()
  MQTT_PLAIN_ENABLED: boolean = true;

  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET!: string;

  @Matches(/^[A-Za-z0-9._-]{1,64}$/)
  JWT_KEY_ID: string = 'engine-1';

  @IsOptional()
  @Matches(/^([A-Za-z0-9._-]{1,64}:[^,]{32,})(,[A-Za-z0-9._-]{1,64}:[^,]{32,})*$/, {
    message: 'JWT_PREVIOUS_KEYS must be a comma list of kid:secret (secrets of at least 32 characters)',
  })
  JWT_PREVIOUS_KEYS?: string;

  @Matches(/^[A-Za-z0-9._-]{1,64}$/)
  JWT_AUDIENCE: string = 'rabbitmq';

  /** Lifetime of a user's broker token when the request names none (docs/tokens.md). */
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(604800)
  TOKEN_TTL_SECONDS: number = 3600;

  /** The longest lifetime an admin may ask for: a disabled user's token stays valid until it expires. */
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(604800)
  TOKEN_MAX_TTL_SECONDS: number = 86400;

  /** Admin API key: `Authorization: Bearer <key>` on /admin/v1 (docs/tokens.md, admin authentication). */
  @IsOptional()
  @Matches(/^\S{32,512}$/, { message: 'ADMIN_API_KEY must be 32 to 512 characters without spaces (openssl rand -base64 32)' })
  ADMIN_API_KEY?: string;

  /** HS256 secret of admin JWTs (role "admin"); must differ from the broker keys. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'ADMIN_JWT_SECRET must be at least 32 characters' })
  ADMIN_JWT_SECRET?: string;

  /** When set, an admin JWT's `aud` must contain it. */
  @IsOptional()
  @Matches(/^\S{1,200}$/)
  ADMIN_JWT_AUDIENCE?: string;

  /** When set, an admin JWT's `iss` must equal it. */
  @IsOptional()
  @Matches(/^\S{1,200}$/)
  ADMIN_JWT_ISSUER?: string;

  /** Admin API requests per client address per minute, and user API requests per user (fixed window); 0: no limit. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  ADMIN_RATE_LIMIT_PER_MINUTE: number = 600;

  @Matches(/^\/?[^/+#.*\s]+(\/[^/+#.*\s]+)*$/, {
    message: 'PATH_PREFIX must be words separated by "/" (a leading "/" is allowed), without + # * or .',
  })
  PATH_PREFIX: string = 'apps/tilechat/users';

  @Matches(/^mongodb(\+srv)?:\/\/\S+$/, { message: 'MONGODB_URI must be a mongodb:// or mongodb+srv:// URI' })
  MONGODB_URI: string = 'mongodb://localhost:27017/messaging';

  /**
   * Database of derived data (conversation summaries and their change records); unset: the main database's name + `_derived`.
   * Apart from the messages because FerretDB's SQLite backend has one writer per database file.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,63}$/)
  MONGODB_DERIVED_DB?: string;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  DB_TIMEOUT_MS: number = 5000;

  @Matches(/^[A-Za-z0-9._:-]{1,200}$/)
  ENGINE_QUEUE: string = 'messaging-engine.outgoing';

  @Matches(/^[A-Za-z0-9._:-]{1,200}$/)
  DEAD_LETTER_QUEUE: string = 'messaging-engine.dead-letter';

  /** Messages the dead-letter queue keeps at most; beyond it the oldest are dropped (and counted). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  DEAD_LETTER_MAX_LENGTH: number = 10_000;

  /** Body bytes the dead-letter queue keeps at most; beyond it the oldest are dropped (and counted). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2 ** 40)
  DEAD_LETTER_MAX_BYTES: number = 100 * 1024 * 1024;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  AMQP_PREFETCH: number = 1000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(16 * 1024 * 1024)
  MAX_PAYLOAD_BYTES: number = 64 * 1024;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  BATCH_MAX_SIZE: number = 500;

  /**
   * How long an idle store step waits for more messages before it stores what it has. 0: at once
   * (batches still form while a store is running, sized by how long it takes).
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  BATCH_MAX_WAIT_MS: number = 0;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  RATE_LIMIT_PER_SECOND: number = 50;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_BURST: number = 500;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(120000)
  SHUTDOWN_TIMEOUT_MS: number = 10000;

  /** Readiness fails while the oldest message in the engine's hands has waited longer than this. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(3600000)
  READINESS_MAX_MESSAGE_AGE_MS: number = 30000;

  @Transform(toBool)
  @IsBoolean()
  SWAGGER_ENABLED: boolean = true;

  /**
   * For trying the engine locally: POST /v1/dev/sign-in {userId} registers anyone and hands out
   * their token, with no credential. Refused at boot with NODE_ENV=production (docs/web-client.md).
   */
  @Transform(toBool)
  @IsBoolean()
  DEV_SIGN_IN: boolean = false;

  /** Refuse messages to users that are not registered (UNKNOWN_RECIPIENT); false where users are not registered. */
  @Transform(toBool)
  @IsBoolean()
  REQUIRE_REGISTERED_RECIPIENTS: boolean = true;

  /** What the sender of a blocked message sees: `reject` (BLOCKED on clientrejected) or `silent` (a normal sent copy). */
  @IsIn(['reject', 'silent'])
  BLOCK_MODE: 'reject' | 'silent' = 'reject';

  /** Entries per policy cache (user states, users' block partners, group memberships) of each engine instance. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(10_000_000)
  POLICY_CACHE_SIZE: number = 100_000;

  /** Most members a group may have (docs/groups.md). */
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(100_000)
  GROUP_MAX_MEMBERS: number = 1000;

  /** What a new group member sees of earlier messages: `since_join` (nothing before they joined) or `all`. */
  @IsIn(['since_join', 'all'])
  GROUP_HISTORY_FOR_NEW_MEMBERS: 'since_join' | 'all' = 'since_join';

  /** With `all`: how many of the latest group messages are replayed to a new member's inbox on joining. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  GROUP_HISTORY_REPLAY: number = 50;

  /** How long after sending (seconds) a sender may edit a message's text (docs/receipts.md). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_592_000)
  MESSAGE_EDIT_WINDOW_SECONDS: number = 900;

  /** How long after sending (seconds) a sender may delete (revoke) a message; admins may delete any message at any time. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_592_000)
  MESSAGE_DELETE_WINDOW_SECONDS: number = 3600;

  /** Most live MQTT / Web-MQTT connections per user; beyond it the engine closes the user's oldest (0: no limit). docs/presence.md. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100_000)
  MAX_CONNECTIONS_PER_USER: number = 10;

  /** Most users one watch list may name (`{prefix}/{me}/presence/watch`). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  PRESENCE_MAX_WATCHED: number = DEFAULT_PRESENCE_MAX_WATCHED;

  /** How often the presence leader compares its view of live connections with the broker's listing (seconds). */
  @Type(() => Number)
  @IsInt()
  @Min(5)
  @Max(86_400)
  PRESENCE_RECONCILE_SECONDS: number = 60;

  /** Typing indicators relayed per user and conversation per second (docs/receipts.md#typing); five times this across all of a user's conversations. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  TYPING_RATE_PER_SECOND: number = 2;

  /** Burst allowance of the typing rate, per user and conversation (five times this across all of a user's conversations). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  TYPING_BURST: number = 3;

  /** Typing is not relayed in groups of more members than this (0: never in groups). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100_000)
  TYPING_MAX_GROUP_MEMBERS: number = 100;

  /** Fanout exchange on which engine instances announce user and block changes to each other. */
  @Matches(/^[A-Za-z0-9._:-]{1,200}$/)
  POLICY_EVENTS_EXCHANGE: string = 'messaging-engine.policy-events';

  /** The sender of messages sent through the admin API without a sender. */
  @Matches(/^[A-Za-z0-9_@-]{1,64}$/)
  SYSTEM_SENDER_ID: string = 'system';
}
