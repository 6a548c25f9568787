import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import type { GroupState } from '@app/protocol';
import { insertUnlessTaken } from '../database/writes';
import { Group, groupKey } from './group.schema';

/** A stored group and the version a change must name to replace it. */
export interface VersionedGroup {
  state: GroupState;
  version: number;
}

export interface GroupPageQuery {
  appId: string;
  /** Only the groups this user is a member of. */
  member?: string;
  limit: number;
  /** Only groups with a larger id. */
  after?: string;
}

@Injectable()
export class GroupsRepository {
  constructor(@InjectModel(Group.name) private readonly model: Model<Group>) {}

  async find(appId: string, groupId: string): Promise<VersionedGroup | null> {
    const doc = await this.model.findById(groupKey(appId, groupId)).lean<Group>().exec();
    return doc && { state: toState(doc), version: doc.version };
  }

  /** False when the id is taken. */
  create(appId: string, state: GroupState): Promise<boolean> {
    return insertUnlessTaken(this.model.collection, toDoc(appId, state, 1));
  }

  /** Replaces the group if it is still at `version`; false when another change came first. */
  async replace(appId: string, state: GroupState, version: number): Promise<boolean> {
    const { _id, ...fields } = toDoc(appId, state, version + 1);
    const update: Record<string, unknown> = { $set: fields };
    if (state.attributes === undefined) update.$unset = { attributes: '' };
    const { matchedCount } = await this.model.updateOne({ _id, version }, update).exec();
    return matchedCount === 1;
  }

  /** Deletes the group if it is still at `version`; false when another change came first. */
  async delete(appId: string, groupId: string, version: number): Promise<boolean> {
    const { deletedCount } = await this.model.deleteOne({ _id: groupKey(appId, groupId), version }).exec();
    return deletedCount === 1;
  }

  async page(q: GroupPageQuery): Promise<GroupState[]> {
    const filter: Record<string, unknown> = { app_id: q.appId };
    if (q.member !== undefined) filter['members.user_id'] = q.member;
    if (q.after !== undefined) filter.group_id = { $gt: q.after };
    const docs = await this.model.find(filter).sort({ group_id: 1 }).limit(q.limit).lean<Group[]>().exec();
    return docs.map(toState);
  }

  /** The ids of every group the user is a member of. */
  async idsOfMember(appId: string, userId: string): Promise<string[]> {
    const docs = await this.model.find({ app_id: appId, 'members.user_id': userId }, { group_id: 1 }).lean<Array<Pick<Group, 'group_id'>>>().exec();
    return docs.map((d) => d.group_id);
  }

  /**
   * Every group the user is a member of, and when they joined it. Reads the member lists whole:
   * FerretDB has no `$elemMatch` projection. (An admin-plane read: conversation lists, deleting a user.)
   */
  async membershipsOf(appId: string, userId: string): Promise<Array<{ groupId: string; joinedAt: number; createdAt: number }>> {
    const docs = await this.model
      .find({ app_id: appId, 'members.user_id': userId }, { group_id: 1, members: 1, created_at: 1 })
      .lean<Array<Pick<Group, 'group_id' | 'members' | 'created_at'>>>()
      .exec();
    return docs.map((d) => ({ groupId: d.group_id, joinedAt: d.members.find((m) => m.user_id === userId)?.joined_at ?? 0, createdAt: d.created_at }));
  }
}

function toDoc(appId: string, s: GroupState, version: number): Group {
  const doc: Group = {
    _id: groupKey(appId, s.group_id),
    app_id: appId,
    group_id: s.group_id,
    name: s.name,
    owner: s.owner,
    members: s.members.map((m) => ({ user_id: m.user_id, role: m.role, joined_at: m.joined_at })),
    created_at: s.created_at,
    updated_at: s.updated_at,
    version,
  };
  if (s.attributes !== undefined) doc.attributes = JSON.stringify(s.attributes);
  return doc;
}

function toState(doc: Group): GroupState {
  const state: GroupState = {
    group_id: doc.group_id,
    name: doc.name,
    owner: doc.owner,
    members: doc.members.map((m) => ({ user_id: m.user_id, role: m.role, joined_at: m.joined_at })),
    created_at: doc.created_at,
    updated_at: doc.updated_at,
  };
  if (doc.attributes !== undefined) state.attributes = JSON.parse(doc.attributes) as Record<string, unknown>;
  return state;
}
