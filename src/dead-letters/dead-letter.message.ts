import { createHash } from 'node:crypto';
import { GetMessage, Options } from 'amqplib';
import { DEAD_LETTER_HEADERS } from '@app/amqp-transport';
import { amqpToMqtt, MQTT_EXCHANGE, TopicLayout } from '@app/protocol';
import { PAYLOAD_PREVIEW_BYTES } from './dead-letter-limits';
import { DeadLetterResponse } from './dto/dead-letter.response';

/** Counts the replays of a message; kept when it is dead-lettered again (the transport keeps all headers). */
export const REPLAY_COUNT_HEADER = 'x-replay-count';

/** Headers that describe a dead-lettering, the transport's and the broker's own: not sent on replay. */
const DEATH_HEADERS = new Set<string>([
  ...Object.values(DEAD_LETTER_HEADERS),
  'x-death',
  'x-first-death-reason',
  'x-first-death-queue',
  'x-first-death-exchange',
  'x-last-death-reason',
  'x-last-death-queue',
  'x-last-death-exchange',
]);

interface BrokerDeath {
  exchange?: string;
  'routing-keys'?: string[];
  reason?: string;
  time?: number | { value: number };
}

/** Where a dead letter came from: its exchange and routing key before it was dead-lettered. */
export function originOf(msg: GetMessage): { exchange: string; routingKey: string } {
  const headers = headersOf(msg);
  const death = firstDeath(headers);
  const routingKey = stringHeader(headers[DEAD_LETTER_HEADERS.routingKey]) ?? death?.['routing-keys']?.[0] ?? msg.fields.routingKey;
  const exchange = stringHeader(headers[DEAD_LETTER_HEADERS.exchange]) ?? death?.exchange ?? MQTT_EXCHANGE;
  return { exchange, routingKey };
}

/** The properties to replay a dead letter with: its own, without the dead-lettering headers, one more replay counted. */
export function replayProperties(msg: GetMessage): Options.Publish {
  const headers: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headersOf(msg))) if (!DEATH_HEADERS.has(name)) headers[name] = value;
  headers[REPLAY_COUNT_HEADER] = replayCount(msg) + 1;
  return { ...msg.properties, headers, persistent: true, mandatory: true } as Options.Publish;
}

/** Why a dead letter cannot be replayed as it is (it stays in the queue), by code. */
export type ReplayProblemCode = 'EXCHANGE_NOT_FOUND' | 'INVALID_EXCHANGE' | 'INVALID_ROUTING_KEY' | 'UNROUTABLE';

export interface ReplayProblem {
  code: ReplayProblemCode;
  reason: string;
}

/** AMQP carries exchange names and routing keys as short strings. */
const SHORTSTR_MAX_BYTES = 255;

/**
 * What makes an origin unusable before anything is sent: a name AMQP cannot carry (publishing
 * it would fail the whole channel), or an exchange of the broker's own that refuses publishes.
 */
export function replayProblem(exchange: string, routingKey: string): ReplayProblem | null {
  const keyBytes = Buffer.byteLength(routingKey);
  if (keyBytes > SHORTSTR_MAX_BYTES) {
    return { code: 'INVALID_ROUTING_KEY', reason: `the original routing key is ${keyBytes} bytes; AMQP carries at most ${SHORTSTR_MAX_BYTES}` };
  }
  if (Buffer.byteLength(exchange) > SHORTSTR_MAX_BYTES) {
    return { code: 'INVALID_EXCHANGE', reason: `the original exchange name is longer than ${SHORTSTR_MAX_BYTES} bytes` };
  }
  if (exchange.startsWith('amq.rabbitmq.')) {
    return { code: 'INVALID_EXCHANGE', reason: `the original exchange "${exchange}" is the broker's own and takes no publishes` };
  }
  return null;
}

/** The id the inspection endpoint shows: the message_id property, else a hash of routing key, rejection time and body. */
export function deadLetterId(msg: GetMessage): string {
  if (typeof msg.properties.messageId === 'string' && msg.properties.messageId) return msg.properties.messageId;
  const headers = headersOf(msg);
  const rejectedAt = numberHeader(headers[DEAD_LETTER_HEADERS.rejectedAt]) ?? deathTime(firstDeath(headers));
  return contentId(originOf(msg).routingKey, rejectedAt, msg.content);
}

/** What the inspection endpoint shows of one dead letter. */
export function toResponse(msg: GetMessage, topics: TopicLayout): DeadLetterResponse {
  const headers = headersOf(msg);
  const death = firstDeath(headers);
  const { exchange, routingKey } = originOf(msg);
  const parsed = topics.parseRoutingKey(routingKey);
  const rejectedAt = numberHeader(headers[DEAD_LETTER_HEADERS.rejectedAt]) ?? deathTime(death);
  return {
    id: deadLetterId(msg),
    code: stringHeader(headers[DEAD_LETTER_HEADERS.code]) ?? death?.reason ?? null,
    reason: stringHeader(headers[DEAD_LETTER_HEADERS.reason]) ?? null,
    routing_key: routingKey,
    exchange,
    rejected_at: rejectedAt,
    sender: topics.ownerOf(amqpToMqtt(routingKey)),
    recipient: parsed?.kind === 'outgoing' ? parsed.peer : null,
    replay_count: replayCount(msg),
    redelivered: msg.fields.redelivered,
    headers: jsonSafe(headers) as Record<string, unknown>,
    ...preview(msg.content),
  };
}

function preview(content: Buffer): Pick<DeadLetterResponse, 'payload' | 'payload_encoding' | 'payload_bytes' | 'payload_truncated'> {
  const truncated = content.length > PAYLOAD_PREVIEW_BYTES;
  const head = content.subarray(0, PAYLOAD_PREVIEW_BYTES);
  let text: string | null = null;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(content);
    text = head.toString('utf8');
    // Cutting may split a character: drop its remains rather than show a replacement character.
    if (truncated) text = text.replace(/\uFFFD+$/, '');
  } catch {
    // not UTF-8: shown as base64
  }
  return {
    payload: text ?? head.toString('base64'),
    payload_encoding: text === null ? 'base64' : 'utf8',
    payload_bytes: content.length,
    payload_truncated: truncated,
  };
}

function contentId(routingKey: string, rejectedAt: number | null, content: Buffer): string {
  const hash = createHash('sha256').update(routingKey).update('\0').update(String(rejectedAt)).update('\0').update(content);
  return `sha256:${hash.digest('hex').slice(0, 32)}`;
}

function headersOf(msg: GetMessage): Record<string, unknown> {
  return (msg.properties.headers ?? {}) as Record<string, unknown>;
}

function replayCount(msg: GetMessage): number {
  return numberHeader(headersOf(msg)[REPLAY_COUNT_HEADER]) ?? 0;
}

function firstDeath(headers: Record<string, unknown>): BrokerDeath | undefined {
  const deaths = headers['x-death'];
  return Array.isArray(deaths) && deaths.length > 0 ? (deaths[deaths.length - 1] as BrokerDeath) : undefined;
}

function deathTime(death: BrokerDeath | undefined): number | null {
  const time = typeof death?.time === 'object' ? death.time.value : death?.time;
  return typeof time === 'number' ? time * 1000 : null; // AMQP timestamps are seconds
}

function stringHeader(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

function numberHeader(value: unknown): number | null {
  const n = typeof value === 'object' && value !== null && 'value' in value ? (value as { value: unknown }).value : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/** Header values as JSON can carry them (binary as base64, 64-bit integers as text). */
function jsonSafe(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.getTime();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}
