/**
 * The little the chat client needs from an MQTT connection. The SDK ships an mqtt.js
 * implementation (mqtt-transport.ts); unit tests use a fake, and an app can supply its own (a
 * WebSocket-only build, a proxy...).
 */
export type Qos = 0 | 1;

export interface TransportOptions {
  url: string;
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
  /** Subscribes to the filters; the callback gets an error if any was refused. Kept across reconnects. */
  subscribe(filters: readonly string[], qos: Qos, callback: (error: Error | null) => void): void;
  /** Publishes; while disconnected the message is queued and sent after the next connect. */
  publish(topic: string, payload: string, qos: Qos): void;
  /** Connects again with a (new) password, resending unacknowledged QoS 1 publishes. */
  reconnect(password: string): void;
  /** Disconnects for good. */
  end(): Promise<void>;
}

export type TransportFactory = (options: TransportOptions) => Transport;
