import { Socket } from 'node:net';
import mqtt, { MqttClient } from 'mqtt';

export interface MqttLogin {
  clientId: string;
  username: string;
  password: string;
}

/**
 * One plain mqtt.js connection with the SDK transport's settings (libs/client/src/mqtt-transport.ts):
 * MQTT 3.1.1, clean session, no Nagle delay, no reconnects (a lost connection is counted, not
 * hidden). Resolves once connected; rejects when the broker refuses or closes it first.
 */
export async function openMqtt(url: string, login: MqttLogin, keepaliveSeconds = 30): Promise<MqttClient> {
  const client = mqtt.connect(url, {
    ...login,
    protocolVersion: 4,
    clean: true,
    keepalive: keepaliveSeconds,
    connectTimeout: 10_000,
    reconnectPeriod: 0,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => {
      if (client.stream instanceof Socket) client.stream.setNoDelay(true);
      resolve();
    });
    client.once('error', reject);
    client.once('close', () => reject(new Error(`${login.username} could not connect to ${url}`)));
  });
  client.on('error', () => undefined); // reported through 'close'
  return client;
}
