import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, mongo } from 'mongoose';
import { AppConfig } from '../config';
import { BulkUpdates } from '../database';
import { UserPresence } from './presence-model';
import { PresenceDoc, PresenceWatchDoc } from './presence.schema';

type StringKeyed = { _id: string };

/** Stored statuses, last-seen times and watch lists (docs/presence.md). */
@Injectable()
export class PresenceRepository {
  private readonly appId: string;

  constructor(
    @InjectModel(PresenceDoc.name) private readonly presence: Model<PresenceDoc>,
    @InjectModel(PresenceWatchDoc.name) private readonly watches: Model<PresenceWatchDoc>,
    config: AppConfig,
    private readonly bulkUpdates: BulkUpdates,
  ) {
    this.appId = config.appId;
  }

  private key(user: string): string {
    return `${this.appId}:${user}`;
  }

  async loadAll(): Promise<{ presence: Map<string, UserPresence>; watches: Map<string, string[]> }> {
    const prefix = `${this.appId}:`;
    const [presence, watches] = await Promise.all([this.presence.find({}).lean(), this.watches.find({}).lean()]);
    return {
      presence: new Map(presence.filter((d) => d._id.startsWith(prefix)).map((d) => [d.user_id, fromDoc(d)])),
      watches: new Map(watches.filter((d) => d._id.startsWith(prefix)).map((d) => [d.watcher, d.users])),
    };
  }

  async find(users: string[]): Promise<Map<string, UserPresence>> {
    const docs = await this.presence.find({ _id: { $in: users.map((u) => this.key(u)) } }).lean();
    return new Map(docs.map((d) => [d.user_id, fromDoc(d)]));
  }

  /** Stores each user's presence as given (an empty one deletes it), in small bulks under the engine's budget (BulkUpdates). */
  async savePresence(entries: Array<[string, UserPresence]>): Promise<void> {
    const ops: mongo.AnyBulkWriteOperation<StringKeyed>[] = entries.map(([user, p]) =>
      p.status === undefined && p.lastSeenAt === undefined
        ? { deleteOne: { filter: { _id: this.key(user) } } }
        : {
            replaceOne: {
              filter: { _id: this.key(user) },
              replacement: { _id: this.key(user), user_id: user, status: p.status ?? null, text: p.text ?? null, last_seen_at: p.lastSeenAt ?? null },
              upsert: true,
            },
          },
    );
    await this.inBulks(this.presence, ops);
  }

  /** Stores each watcher's list as given (an empty one deletes it). */
  async saveWatches(entries: Array<[string, string[]]>): Promise<void> {
    const ops: mongo.AnyBulkWriteOperation<StringKeyed>[] = entries.map(([watcher, users]) =>
      users.length === 0
        ? { deleteOne: { filter: { _id: this.key(watcher) } } }
        : { replaceOne: { filter: { _id: this.key(watcher) }, replacement: { _id: this.key(watcher), watcher, users }, upsert: true } },
    );
    await this.inBulks(this.watches, ops);
  }

  /** Each user's key is once in `ops`, so bulks may run side by side; throws the first failure. */
  private async inBulks(model: Model<PresenceDoc> | Model<PresenceWatchDoc>, ops: mongo.AnyBulkWriteOperation<StringKeyed>[]): Promise<void> {
    const collection = model.collection as unknown as mongo.Collection<StringKeyed>;
    const { error } = await this.bulkUpdates.inBulks(ops, async (bulk) => void (await collection.bulkWrite(bulk, { ordered: true })));
    if (error) throw error;
  }
}

function fromDoc(d: PresenceDoc): UserPresence {
  const p: UserPresence = {};
  if (d.status) p.status = d.status;
  if (d.text) p.text = d.text;
  if (typeof d.last_seen_at === 'number') p.lastSeenAt = d.last_seen_at;
  return p;
}
