import type { Channel } from 'amqplib';
import { MQTT_EXCHANGE, TopicLayout } from '@app/protocol';
import { BROKER_EVENT_EXCHANGE, CONNECTION_EVENT_KEYS } from '../connections/connection-event';

/** Message type of an admin's status change, sent to the presence queue through the default exchange. */
export const ADMIN_SET_STATUS = 'presence.admin-set-status';

/** The direct reply-to pseudo queue: an admin's request gets the leader's answer on it. */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/**
 * Bounds the queue while no engine runs: the oldest events go first. Presence then rests on the
 * reconciliation with the broker's listing, which every new leader runs.
 */
const MAX_QUEUED = 1_000_000;

/**
 * Declares the one durable queue that carries everything presence is made of, in the order it
 * happened: the broker's connection events, users' presence commands and watch lists, and admins'
 * status changes (docs/presence.md). Idempotent: every instance declares it on every connection.
 */
export async function declarePresenceQueue(channel: Channel, queue: string, topics: TopicLayout): Promise<void> {
  await channel.assertQueue(queue, { durable: true, arguments: { 'x-max-length': MAX_QUEUED } });
  for (const key of CONNECTION_EVENT_KEYS) await channel.bindQueue(queue, BROKER_EVENT_EXCHANGE, key);
  const p = topics.amqpPrefix;
  await channel.bindQueue(queue, MQTT_EXCHANGE, `${p}.*.presence.command`);
  await channel.bindQueue(queue, MQTT_EXCHANGE, `${p}.*.presence.watch`);
}
