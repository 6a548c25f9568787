import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { insertUnlessTaken } from '../database/writes';
import { User, userKey } from './user.schema';


/** A user as the repository returns it: metadata as an object (null in some older records), whatever its stored form. */
export type UserRecord = Omit<User, 'metadata'> & { metadata?: Record<string, unknown> | null };

export interface UserProfile {
  display_name: string;
  metadata?: Record<string, unknown>;
}

export interface UserPageQuery {
  appId: string;
  limit: number;
  disabled?: boolean;
  /** Only users with a larger id. */
  after?: string;
}

/**
 * Every write is one single-document command by `_id` (docs/database.md). Metadata is stored as
 * JSON text (user.schema.ts) and handed back as an object.
 */
@Injectable()
export class UsersRepository {
  constructor(@InjectModel(User.name) private readonly model: Model<User>) {}

  /** Inserts a new user; null when the id is taken. */
  async insert(appId: string, userId: string, profile: UserProfile, now: number): Promise<UserRecord | null> {
    const user: UserRecord = {
      _id: userKey(appId, userId),
      app_id: appId,
      user_id: userId,
      ...profile,
      disabled: false,
      created_at: now,
      updated_at: now,
    };
    return (await insertUnlessTaken(this.model.collection, toStored(user))) ? user : null;
  }

  /** Sets the given fields (and unsets the `unset` ones); null when the user does not exist. */
  async update(appId: string, userId: string, set: Partial<UserRecord>, unset: Array<keyof UserRecord> = []): Promise<UserRecord | null> {
    const update: Record<string, unknown> = { $set: toStored(set) };
    if (unset.length > 0) update.$unset = Object.fromEntries(unset.map((field) => [field, '']));
    return fromStored(await this.model.findOneAndUpdate({ _id: userKey(appId, userId) }, update, { new: true }).lean<User>().exec());
  }

  async findOne(appId: string, userId: string): Promise<UserRecord | null> {
    return fromStored(await this.model.findById(userKey(appId, userId)).lean<User>().exec());
  }

  /** What the message pipeline needs to know of a user; null when there is no such user. */
  async findState(appId: string, userId: string): Promise<{ disabled: boolean; display_name: string } | null> {
    return this.model
      .findById(userKey(appId, userId), { _id: 0, disabled: 1, display_name: 1 })
      .lean<{ disabled: boolean; display_name: string }>()
      .exec();
  }

  /** Which of these users are registered (one read, by `_id`). */
  async registered(appId: string, userIds: string[]): Promise<Set<string>> {
    const rows = await this.model
      .find({ _id: { $in: userIds.map((id) => userKey(appId, id)) } }, { _id: 0, user_id: 1 })
      .lean<Array<{ user_id: string }>>()
      .exec();
    return new Set(rows.map((r) => r.user_id));
  }

  async page(q: UserPageQuery): Promise<UserRecord[]> {
    const filter: Record<string, unknown> = { app_id: q.appId };
    if (q.disabled !== undefined) filter.disabled = q.disabled;
    if (q.after !== undefined) filter._id = { $gt: userKey(q.appId, q.after) };
    const rows = await this.model.find(filter).sort({ _id: 1 }).limit(q.limit).lean<User[]>().exec();
    return rows.map((row) => fromStored(row)!);
  }

  /** True when a user was deleted. */
  async delete(appId: string, userId: string): Promise<boolean> {
    const { deletedCount } = await this.model.deleteOne({ _id: userKey(appId, userId) }).exec();
    return deletedCount > 0;
  }
}

/** The stored form: metadata (an object) as JSON text; null and absent stay as they are. */
function toStored<T extends { metadata?: Record<string, unknown> | null }>(user: T): Omit<T, 'metadata'> & { metadata?: string | null } {
  const { metadata, ...rest } = user;
  if (metadata === undefined) return rest;
  return { ...rest, metadata: metadata === null ? null : JSON.stringify(metadata) };
}

/** The record services see: metadata as an object, whether stored as JSON text or (before) as one. */
function fromStored(user: User | null): UserRecord | null {
  if (!user) return null;
  if (typeof user.metadata !== 'string') return user as UserRecord;
  return { ...user, metadata: JSON.parse(user.metadata) as Record<string, unknown> };
}
