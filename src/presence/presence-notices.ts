import { Injectable } from '@nestjs/common';
import { PublishRequest } from '@app/amqp-transport';
import { PresenceNotice, PresenceResult, TopicLayout } from '@app/protocol';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { PolicyService } from '../policy/policy.service';
import { PresenceModel } from './presence-model';

/**
 * What watchers are told (docs/presence.md): a user's presence as each watcher may see it. A user
 * and a watcher in a block (either way) see each other offline; an invisible user is offline to
 * all. A notice carries no connection detail (client ids, addresses): only the user's own status.
 */
@Injectable()
export class PresenceNotices {
  constructor(
    private readonly topics: TopicLayout,
    private readonly delivery: DeliveryPublisher,
    private readonly policy: PolicyService,
  ) {}

  /** A user's presence for watchers outside any block with them. */
  notice(model: PresenceModel, user: string, now: number): PresenceNotice {
    const status = model.shown(user);
    const p = model.presenceOf(user);
    const notice: PresenceNotice = { user, status, timestamp: now };
    if (status !== 'offline' && p?.text) notice.text = p.text;
    if (status === 'offline' && p?.lastSeenAt !== undefined) notice.last_seen_at = p.lastSeenAt;
    return notice;
  }

  /** The notices of `users` to one watcher (after a watch), each as that watcher may see it. */
  async toWatcher(model: PresenceModel, watcher: string, users: Iterable<string>, now: number): Promise<PublishRequest[]> {
    const partners = await this.policy.blockPartners(watcher);
    return [...users].map((user) => this.delivery.requestTo(this.topics.presenceUpdated(watcher, user), partners.has(user) ? hidden(user, now) : this.notice(model, user, now)));
  }

  /** A user's presence to all their watchers (one body for all; none to a watcher in a block with them). */
  async toWatchers(model: PresenceModel, user: string, now: number): Promise<PublishRequest[]> {
    const watchers = model.watchersOf(user);
    if (watchers.size === 0) return [];
    const body = this.delivery.body(this.notice(model, user, now));
    const list = [...watchers];
    const blocked = await Promise.all(list.map((watcher) => this.policy.inBlock(watcher, user)));
    return list.filter((_w, i) => !blocked[i]).map((watcher) => this.delivery.requestTo(this.topics.presenceUpdated(watcher, user), body));
  }

  result(user: string, result: PresenceResult): PublishRequest {
    return this.delivery.requestTo(this.topics.presenceResult(user), result);
  }

  publishAll(requests: PublishRequest[]): Promise<void> {
    return this.delivery.publishAll(requests);
  }
}

function hidden(user: string, now: number): PresenceNotice {
  return { user, status: 'offline', timestamp: now };
}
