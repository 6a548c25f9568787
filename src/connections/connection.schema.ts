import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { ConnectionProtocol } from './connection-event';

/**
 * One live client connection of the broker, as the engine tracks it from the broker's events
 * (docs/presence.md). `_id` is the broker's connection name, the key every event, listing and
 * close share. Written only by the instance that applies the broker's events (one writer); read
 * by every instance. Live state, rebuilt from the broker's listing after a restart of either.
 */
@Schema({ collection: 'connections', versionKey: false, _id: false })
export class ConnectionDoc {
  @Prop({ type: String, required: true })
  _id!: string;

  /** What the admin API shows it by (connectionId: a digest of the name). */
  @Prop({ required: true })
  id!: string;

  /** The authenticated identity (the token's subject), never the typed MQTT username. */
  @Prop({ required: true })
  user_id!: string;

  @Prop({ type: String, required: true })
  protocol!: ConnectionProtocol;

  @Prop({ type: String })
  client_id?: string | null;

  @Prop({ type: String })
  peer?: string | null;

  /** Milliseconds since the epoch (the broker's clock), when known. */
  @Prop({ type: Number })
  connected_at?: number | null;
}

export const ConnectionSchema = SchemaFactory.createForClass(ConnectionDoc);

// Serves: a user's connections (admin list, disconnect, presence).
ConnectionSchema.index({ user_id: 1 });
