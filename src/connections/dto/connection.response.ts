import type { ConnectionProtocol } from '../connection-event';
import type { ConnectionDoc } from '../connection.schema';

export class ConnectionResponse {
  /** The id to close it by (DELETE .../connections/{id}). */
  id!: string;
  /** The authenticated identity (the token's subject), never the MQTT username the client typed. */
  user_id!: string;
  /** `mqtt`, `web-mqtt`, `amqp` or `other`. */
  protocol!: ConnectionProtocol;
  /** The MQTT client id; null when not MQTT or unreadable. Shown to admins and to its own user only, never to other users. */
  client_id!: string | null;
  /** The client's address (`host:port`), when known. */
  peer!: string | null;
  /** When it connected (milliseconds since the epoch), when known. */
  connected_at!: number | null;
}

export class ConnectionListResponse {
  /** Oldest first. */
  connections!: ConnectionResponse[];
}

/** A tracked connection as the API shows it to an admin or to its own user (never to another user). */
export function toConnectionResponse(c: ConnectionDoc): ConnectionResponse {
  return {
    id: c.id,
    user_id: c.user_id,
    protocol: c.protocol,
    client_id: c.client_id ?? null,
    peer: c.peer ?? null,
    connected_at: c.connected_at ?? null,
  };
}
