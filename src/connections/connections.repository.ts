import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { DUPLICATE_KEY, insertAsIs, writeErrorsOf } from '../database/writes';
import type { ConnectionProtocol } from './connection-event';
import { ConnectionDoc } from './connection.schema';
import { connectionId, IdentifiedConnection } from './connection-registry';

/** The tracked view of the broker's live connections (docs/presence.md). */
@Injectable()
export class ConnectionsRepository {
  constructor(@InjectModel(ConnectionDoc.name) private readonly model: Model<ConnectionDoc>) {}

  /** Adds connections; one already stored (an event applied twice) is left as it is. */
  async add(connections: IdentifiedConnection[]): Promise<void> {
    if (connections.length === 0) return;
    try {
      await insertAsIs(this.model.collection, connections.map(toDoc), { ordered: false });
    } catch (err) {
      const errors = writeErrorsOf(err);
      if (errors.length === 0 || errors.some((e) => e.code !== DUPLICATE_KEY)) throw err;
    }
  }

  async remove(names: string[]): Promise<void> {
    if (names.length > 0) await this.model.deleteMany({ _id: { $in: names } });
  }

  async all(): Promise<ConnectionDoc[]> {
    return this.model.find({}).lean();
  }

  async ofUser(userId: string): Promise<ConnectionDoc[]> {
    return this.model.find({ user_id: userId }).sort({ connected_at: 1, _id: 1 }).lean();
  }

  /** The users among `userIds` with at least one connection of these protocols, with how many each. */
  async countByUser(userIds: string[], protocols: readonly ConnectionProtocol[]): Promise<Map<string, number>> {
    const rows = await this.model.find({ user_id: { $in: userIds }, protocol: { $in: [...protocols] } }, { user_id: 1 }).lean();
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.user_id, (counts.get(r.user_id) ?? 0) + 1);
    return counts;
  }
}

function toDoc(c: IdentifiedConnection): ConnectionDoc {
  return {
    _id: c.name,
    id: connectionId(c.name),
    user_id: c.user,
    protocol: c.protocol,
    client_id: c.clientId ?? null,
    peer: c.peer ?? null,
    connected_at: c.connectedAt ?? null,
  };
}

export function fromDoc(d: ConnectionDoc): IdentifiedConnection {
  return { name: d._id, user: d.user_id, protocol: d.protocol, clientId: d.client_id ?? null, peer: d.peer ?? null, connectedAt: d.connected_at ?? null };
}
