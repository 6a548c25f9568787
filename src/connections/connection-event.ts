import { hostPort } from '../broker';

/**
 * Events of the broker's `rabbitmq_event_exchange` plugin (exchange `amq.rabbitmq.event`) that say
 * who is connected. The plugin puts everything in the headers, Erlang terms printed as text.
 * Measured on RabbitMQ 3.10 (/work/shared/docs/rabbitmq.md, "Connection events"):
 * - `connection.created` carries the MQTT username **as the client typed it** (any name works
 *   with anyone's token), the connection name and, for MQTT, the client id in `variable_map`;
 * - `channel.created` carries the **authenticated** identity (the token's subject) and the
 *   channel name, which is the connection name followed by ` (N)`;
 * - `connection.closed` carries the name only.
 * Connections are keyed by name: it is what every event, the management API's listings and its
 * DELETE have in common.
 */
export const BROKER_EVENT_EXCHANGE = 'amq.rabbitmq.event';
export const CONNECTION_EVENT_KEYS = ['connection.created', 'connection.closed', 'channel.created'] as const;

export type ConnectionProtocol = 'mqtt' | 'web-mqtt' | 'amqp' | 'other';

export type ConnectionEvent =
  | {
      type: 'connection.created';
      name: string;
      protocol: ConnectionProtocol;
      /** MQTT only; null when the broker's text of it could not be read (treated as unknown). */
      clientId: string | null;
      connectedAt: number | null;
      /** The client's address (`host:port`), when the event says. */
      peer: string | null;
    }
  | { type: 'channel.created'; name: string; user: string }
  | { type: 'connection.closed'; name: string };

type Headers = Record<string, unknown> | undefined;

/** Null for events this engine does not track or cannot read. */
export function parseConnectionEvent(routingKey: string, headers: Headers): ConnectionEvent | null {
  const h = headers ?? {};
  const name = text(h.name);
  if (!name) return null;
  switch (routingKey) {
    case 'connection.created': {
      const protocol = parseProtocol(text(h.protocol));
      const connectedAt = Number(h.connected_at);
      return {
        type: 'connection.created',
        name,
        protocol,
        clientId: protocol === 'mqtt' || protocol === 'web-mqtt' ? clientIdOf(text(h.variable_map)) : null,
        connectedAt: Number.isFinite(connectedAt) && connectedAt > 0 ? connectedAt : null,
        peer: peerOf(h.peer_host, h.peer_port),
      };
    }
    case 'channel.created': {
      const user = text(h.user);
      const connection = name.replace(/ \(\d+\)$/, '');
      return user && connection !== name ? { type: 'channel.created', name: connection, user } : null;
    }
    case 'connection.closed':
      return { type: 'connection.closed', name };
    default:
      return null;
  }
}

/** `{'MQTT',"3.1.1"}`, `{'Web MQTT',"3.1.1"}`, AMQP `{0,9,1}`. */
export function parseProtocol(value: string | null): ConnectionProtocol {
  if (!value) return 'other';
  if (value.startsWith("{'Web MQTT'")) return 'web-mqtt';
  if (value.startsWith("{'MQTT'")) return 'mqtt';
  if (/^\{0,9,1\}$|^\{'AMQP'/.test(value)) return 'amqp';
  return 'other';
}

/** The management API's `MQTT 3.1.1`, `Web MQTT 3.1.1`, `AMQP 0-9-1`. */
export function listedProtocol(value: string | undefined): ConnectionProtocol {
  if (!value) return 'other';
  if (value.startsWith('Web MQTT')) return 'web-mqtt';
  if (value.startsWith('MQTT')) return 'mqtt';
  if (value.startsWith('AMQP')) return 'amqp';
  return 'other';
}

/**
 * The client id from `variable_map` (`#{<<"client_id">> => <<"alice~phone">>}`). The broker
 * prints a binary as an escaped string when every byte is printable, else as a byte list
 * (`<<97,108,...>>`); both are read. Null when absent or not understood.
 */
export function clientIdOf(variableMap: string | null): string | null {
  if (!variableMap) return null;
  const key = '<<"client_id">> => ';
  const at = variableMap.indexOf(key);
  return at < 0 ? null : readErlangBinary(variableMap, at + key.length);
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', v: '\v', b: '\b', f: '\f', e: '\x1b', s: ' ', d: '\x7f', '"': '"', '\\': '\\', "'": "'" };

function readErlangBinary(s: string, start: number): string | null {
  if (!s.startsWith('<<', start)) return null;
  let i = start + 2;
  if (s[i] !== '"') {
    // A byte list, e.g. <<97,126,195,169>> (or <<>>).
    const end = s.indexOf('>>', i);
    if (end < 0) return null;
    const body = s.slice(i, end);
    if (body === '') return '';
    if (!/^\d{1,3}(,\d{1,3})*$/.test(body)) return null;
    const bytes = body.split(',').map(Number);
    if (bytes.some((b) => b > 255)) return null;
    return new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes));
  }
  i++;
  let out = '';
  while (i < s.length) {
    const c = s[i];
    if (c === '"') return s.startsWith('>>', i + 1) ? out : null;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === undefined) return null;
    const octal = /^[0-7]{1,3}/.exec(s.slice(i + 1, i + 4));
    if (octal) {
      out += String.fromCharCode(parseInt(octal[0], 8));
      i += 1 + octal[0].length;
    } else if (next === '^' && /[@-_a-z?]/i.test(s[i + 2] ?? '')) {
      out += String.fromCharCode(s.charCodeAt(i + 2) & 0x1f);
      i += 3;
    } else if (next in ESCAPES) {
      out += ESCAPES[next];
      i += 2;
    } else {
      return null;
    }
  }
  return null;
}

/**
 * `host:port` (`[host]:port` for IPv6) from the event's peer_host and peer_port, or null. The event
 * prints the address as an Erlang tuple: `{127,0,0,1}`, or eight 16-bit numbers for IPv6.
 */
function peerOf(host: unknown, port: unknown): string | null {
  const h = text(host);
  const p = Number(port);
  if (!h || !Number.isInteger(p)) return null;
  const tuple = /^\{(\d+(?:,\d+)*)\}$/.exec(h);
  if (!tuple) return hostPort(h, p);
  const parts = tuple[1].split(',').map(Number);
  if (parts.length === 4) return hostPort(parts.join('.'), p);
  if (parts.length === 8) return hostPort(parts.map((n) => n.toString(16)).join(':'), p);
  return null;
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return null;
}
