import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, mongo } from 'mongoose';
import { AppConfig } from '../config';
import { UserPresence } from './presence-model';
import { PresenceDoc, PresenceWatchDoc } from './presence.schema';

/**
 * FerretDB holds a backend connection per statement of an update command until the command ends
 * (docs/database.md); the conversation writer's bulks share the same database file: keep these small.
 */
const MAX_STATEMENTS_PER_BULK = 20;

type StringKeyed = { _id: string };

/** Stored statuses, last-seen times and watch lists (docs/presence.md). */
@Injectable()
export class PresenceRepository {
  private readonly appId: string;

  constructor(
    @InjectModel(PresenceDoc.name) private readonly presence: Model<PresenceDoc>,
    @InjectModel(PresenceWatchDoc.name) private readonly watches: Model<PresenceWatchDoc>,
    config: AppConfig,
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

  /** Stores each user's presence as given (an empty one deletes it), in small sequential bulks. */
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
    await inBulks(this.presence, ops);
  }

  /** Stores each watcher's list as given (an empty one deletes it). */
  async saveWatches(entries: Array<[string, string[]]>): Promise<void> {
    const ops: mongo.AnyBulkWriteOperation<StringKeyed>[] = entries.map(([watcher, users]) =>
      users.length === 0
        ? { deleteOne: { filter: { _id: this.key(watcher) } } }
        : { replaceOne: { filter: { _id: this.key(watcher) }, replacement: { _id: this.key(watcher), watcher, users }, upsert: true } },
    );
    await inBulks(this.watches, ops);
  }
}

async function inBulks(model: Model<PresenceDoc> | Model<PresenceWatchDoc>, ops: mongo.AnyBulkWriteOperation<StringKeyed>[]): Promise<void> {
  for (let i = 0; i < ops.length; i += MAX_STATEMENTS_PER_BULK) {
    await (model.collection as unknown as mongo.Collection<StringKeyed>).bulkWrite(ops.slice(i, i + MAX_STATEMENTS_PER_BULK), { ordered: true });
  }
}

function fromDoc(d: PresenceDoc): UserPresence {
  const p: UserPresence = {};
  if (d.status) p.status = d.status;
  if (d.text) p.text = d.text;
  if (typeof d.last_seen_at === 'number') p.lastSeenAt = d.last_seen_at;
  return p;
}
