import mqtt, { MqttClient } from 'mqtt';
import { Qos, Transport, TransportEvents, TransportFactory, TransportOptions } from './transport';
import { TypedEmitter } from './typed-emitter';

/**
 * Chat messages are small writes that should leave at once: with Nagle's algorithm on (Node's
 * default for TCP sockets, which mqtt.js keeps), a publish can wait for the ACK of the previous
 * one, up to the peer's delayed-ACK timer (40 ms on Linux). Measured on loopback at 1,000 msg/s:
 * p50 7.7 ms with it, 2.0 ms without. WebSocket streams have no such switch. Tested by shape, not
 * by `instanceof net.Socket`: the SDK also runs in browsers, where there is no `node:net`.
 */
function disableNagle(stream: unknown): void {
  const socket = stream as { setNoDelay?: unknown } | null;
  if (typeof socket?.setNoDelay === 'function') (socket as { setNoDelay(noDelay: boolean): void }).setNoDelay(true);
}

/**
 * A refused CONNACK's return code: mqtt.js's ErrorWithReasonCode carries it as a number `code`
 * (socket errors carry a string one). Read by shape: mqtt.js's browser build does not export the class.
 */
function reasonCode(err: Error): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * The mqtt.js transport, with mqtt.js's own recovery turned off: its reconnect timer retries at a
 * fixed period with the password it started with, and on reconnect it resends unacknowledged
 * publishes before it renews the subscriptions, so the engine's answer to a resent message could
 * arrive before the subscription and be lost. The chat client does both itself, in the right order.
 */
class MqttJsTransport extends TypedEmitter<TransportEvents> implements Transport {
  private readonly client: MqttClient;

  constructor(options: TransportOptions) {
    super();
    this.client = mqtt.connect(options.url, {
      clientId: options.clientId,
      username: options.username,
      password: options.password,
      // RabbitMQ 3.10's MQTT plugin speaks 3.1.1.
      protocolVersion: 4,
      clean: true,
      keepalive: options.keepaliveSeconds,
      connectTimeout: options.connectTimeoutMs,
      reconnectPeriod: 0,
      resubscribe: false,
      // mqtt.js hands it to TLS (mqtts) and, in Node, to the WebSocket (wss); certificates are
      // always verified (rejectUnauthorized stays on). PEM is text: bytes are decoded, not wrapped in
      // a Buffer, which browsers do not have (the SDK runs there too).
      ...(options.ca && { ca: options.ca.map((pem) => (typeof pem === 'string' ? pem : new TextDecoder().decode(pem))) }),
    });
    this.client.on('connect', () => {
      disableNagle(this.client.stream);
      this.emit('connect');
    });
    this.client.on('close', () => this.emit('close'));
    this.client.on('error', (err) => this.emit('error', err, reasonCode(err)));
    this.client.on('message', (topic, payload) => this.emit('message', topic, payload));
  }

  get connected(): boolean {
    return this.client.connected;
  }

  subscribe(filters: readonly string[], qos: Qos, callback: (error: Error | null) => void): void {
    this.client.subscribe([...filters], { qos }, (err, granted) => {
      // 0x80 in a SUBACK is a refusal (RabbitMQ closes the connection instead; other brokers answer it).
      const refused = granted?.filter((g) => g.qos === 0x80).map((g) => g.topic) ?? [];
      if (err) callback(err);
      else if (refused.length) callback(new Error(`subscription refused: ${refused.join(', ')}`));
      else callback(null);
    });
  }

  publish(topic: string, payload: string, qos: Qos): void {
    this.client.publish(topic, payload, { qos });
  }

  reconnect(password: string): void {
    this.client.options.password = password;
    // Without stores, reconnect() starts empty ones: what the old session had not sent is dropped.
    this.client.reconnect();
  }

  end(): Promise<void> {
    return new Promise((resolve) => this.client.end(true, {}, () => resolve()));
  }
}

export const mqttTransport: TransportFactory = (options) => new MqttJsTransport(options);
