import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import { PresenceStatus } from '@app/protocol';
import { BrokerChannels } from '../broker';
import { within } from '../common/async';
import { DomainError, ErrorCode } from '../common/errors';
import { AppConfig } from '../config';
import { MQTT_KINDS } from '../connections/connection-registry';
import { ConnectionsRepository } from '../connections/connections.repository';
import { PolicyService } from '../policy/policy.service';
import { AdminStatusReply, AdminStatusRequest } from './admin-status';
import { PresenceResponse, SeenPresenceResponse } from './dto/presence.dto';
import { ADMIN_SET_STATUS, DIRECT_REPLY_TO } from './presence-queue';
import { PresenceRepository } from './presence.repository';

/** How long an admin's status change waits for the presence leader's answer. */
const LEADER_ANSWER_MS = 5000;

/**
 * Presence for the admin API, on any instance: read from the stored state every instance shares,
 * and changed through the leader (the one writer), which answers on a direct reply-to queue.
 */
@Injectable()
export class PresenceService {
  constructor(
    private readonly config: AppConfig,
    private readonly connections: ConnectionsRepository,
    private readonly store: PresenceRepository,
    private readonly broker: BrokerChannels,
    private readonly policy: PolicyService,
  ) {}

  /** The users' presence as an admin sees it (a set `invisible` included), in the order given, repeats dropped. */
  async query(userIds: string[]): Promise<PresenceResponse[]> {
    const users = [...new Set(userIds)];
    const [counts, stored] = await Promise.all([this.connections.countByUser(users, MQTT_KINDS), this.store.find(users)]);
    return users.map((user) => {
      const n = counts.get(user) ?? 0;
      const p = stored.get(user) ?? {};
      const response: PresenceResponse = { user_id: user, status: n > 0 ? (p.status ?? 'online') : 'offline', connection_count: n };
      if (n > 0 && p.text) response.text = p.text;
      if (n === 0 && p.lastSeenAt !== undefined) response.last_seen_at = p.lastSeenAt;
      return response;
    });
  }

  /**
   * The users' presence as `viewer` may see it, as watchers are told (presence-notices.ts): a user
   * in a block with the viewer (either way) and an invisible one show `offline`, with nothing
   * more; no connection count (it would tell an invisible user online). The viewer sees their own as set.
   */
  async seenBy(viewer: string, userIds: string[]): Promise<SeenPresenceResponse[]> {
    const [all, partners] = await Promise.all([this.query(userIds), this.policy.blockPartners(viewer)]);
    return all.map(({ connection_count: _count, ...p }) => {
      if (p.user_id === viewer) return p;
      if (partners.has(p.user_id) || p.status === 'invisible') return { user_id: p.user_id, status: 'offline' };
      return p;
    });
  }

  /**
   * Sets an online user's status through the presence leader. CONFLICT when the user is offline (a
   * status lasts while connected); DEPENDENCY_UNAVAILABLE when no leader answers in time.
   */
  async setStatus(user: string, status: PresenceStatus, text?: string): Promise<void> {
    const request: AdminStatusRequest = { user, status, ...(text && { text }) };
    const reply = await this.askLeader(request);
    if (reply.offline) throw new DomainError(ErrorCode.CONFLICT, reply.reason ?? `${user} is offline`);
    if (!reply.ok) throw new DomainError(ErrorCode.INTERNAL, reply.reason ?? 'the presence leader refused the change');
  }

  private askLeader(request: AdminStatusRequest): Promise<AdminStatusReply> {
    const unavailable = (why: string) => new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `presence could not be changed: ${why}`);
    return this.broker
      .withChannel(async (channel) => {
        const correlationId = randomUUID();
        let answer!: (reply: AdminStatusReply) => void;
        const answered = new Promise<AdminStatusReply>((resolve) => (answer = resolve));
        await channel.consume(DIRECT_REPLY_TO, (msg: ConsumeMessage | null) => {
          if (msg?.properties.correlationId !== correlationId) return;
          try {
            answer(JSON.parse(msg.content.toString('utf8')) as AdminStatusReply);
          } catch {
            answer({ ok: false, reason: 'unreadable answer' });
          }
        }, { noAck: true });
        channel.sendToQueue(this.config.presence.queue, Buffer.from(JSON.stringify(request)), {
          type: ADMIN_SET_STATUS,
          replyTo: DIRECT_REPLY_TO,
          correlationId,
          contentType: 'application/json',
        });
        await channel.waitForConfirms();
        return within(answered, LEADER_ANSWER_MS, () => unavailable(`no presence leader answered within ${LEADER_ANSWER_MS} ms`));
      }, LEADER_ANSWER_MS)
      .catch((err: unknown) => {
        throw err instanceof DomainError ? err : unavailable((err as Error).message);
      });
  }
}
