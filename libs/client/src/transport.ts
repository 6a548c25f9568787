/**
 * The little the chat client needs from an MQTT connection. The SDK ships an mqtt.js
 * implementation (mqtt-transport.ts); unit tests use a fake, and an app can supply its own (a
 * WebSocket-only build, a proxy...).
 */
export type Qos = 0 | 1;

export interface TransportOptions {
  url: string;
  /** CA certificates (PEM) for an mqtts:// or wss:// URL; unset: the platform's. */
  ca?: Array<string | Uint8Array>;
  clientId: string;
  username: string;
  password: string;
  keepaliveSeconds: number;
  connectTimeoutMs: number;
}

export type TransportEvents = {
  /** CONNACK accepted. */
  connect: [];
  /** The network connection is gone (a refused CONNACK, a dropped socket, or end()). */
  close: [];
  /** A refused CONNACK carries its return code in `returnCode`. */
  error: [error: Error, returnCode: number | undefined];
  message: [topic: string, payload: Buffer];
};

export interface Transport {
  readonly connected: boolean;
  on<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): unknown;
  /** Subscribes to the filters; the callback gets an error if any was refused. Not renewed on reconnect. */
  subscribe(filters: readonly string[], qos: Qos, callback: (error: Error | null) => void): void;
  /** Publishes (called only while connected). */
  publish(topic: string, payload: string, qos: Qos): void;
  /**
   * Connects again with a (new) password, as a new clean session: nothing sent or subscribed
   * before is carried over (the chat client subscribes and resends itself, in that order).
   */
  reconnect(password: string): void;
  /** Disconnects for good. */
  end(): Promise<void>;
}

export type TransportFactory = (options: TransportOptions) => Transport;
