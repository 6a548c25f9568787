import { Injectable } from '@nestjs/common';
import { PublishRequest } from '@app/amqp-transport';
import { commandIdOf, ParsedTopic, parsePresenceCommand, parsePresenceWatch, PresenceResult, PresenceResultCode } from '@app/protocol';
import { AppConfig } from '../config';
import { PolicyService } from '../policy/policy.service';
import { AdminStatusReply, parseAdminStatusRequest } from './admin-status';
import { Effects, PresenceModel } from './presence-model';
import { PresenceNotices } from './presence-notices';

/**
 * What users and admins ask of presence (docs/presence.md), applied by the leader to its model in
 * queue order: a user's status command and watch list (checked, then answered on their result
 * topic; an accepted watch list is followed by the current state of every user on it), and an
 * admin's status change (answered once stored). Returns what to publish; the leader publishes it.
 */
@Injectable()
export class PresenceCommands {
  constructor(
    private readonly config: AppConfig,
    private readonly notices: PresenceNotices,
    private readonly policy: PolicyService,
  ) {}

  /** A user's status command (topic kind presence-command) or watch list (presence-watch). */
  async fromUser(model: PresenceModel, topic: ParsedTopic, body: Buffer, now: number, fx: Effects): Promise<PublishRequest[]> {
    const user = topic.owner;
    const command = topic.kind === 'presence-command' ? 'status' : 'watch';
    // The command's own id, when it has a valid one, also on a refusal: clients match answers by it.
    const commandId = commandIdOf(body);
    const answer = (r: Omit<PresenceResult, 'command' | 'command_id' | 'timestamp'>) =>
      this.notices.result(user, { command, ...(commandId && { command_id: commandId }), ...r, timestamp: now });
    const refuse = (code: PresenceResultCode, reason: string) => [answer({ ok: false, code, reason })];
    const limited = this.policy.admit(user);
    if (limited) return refuse(limited.code, limited.reason);
    const maxBytes = this.config.pipeline.maxPayloadBytes;
    if (command === 'status') {
      const parsed = parsePresenceCommand(body, maxBytes);
      if (!parsed.ok) return refuse(parsed.code, parsed.reason);
      const { status, text } = parsed.value;
      model.setStatus(user, status, text ?? undefined, now, fx);
      return [answer({ ok: true, status, ...(text && { text }) })];
    }
    const parsed = parsePresenceWatch(body, maxBytes, this.config.presence.maxWatched);
    if (!parsed.ok) return refuse(parsed.code, parsed.reason);
    const { users } = parsed.value;
    model.watch(user, users, now, fx);
    const registered = users.length > 0 ? await this.policy.registeredAmong(users) : new Set<string>();
    const unknown = users.filter((u) => !registered.has(u));
    return [answer({ ok: true, watched: users.length, ...(unknown.length > 0 && { unknown }) }), ...(await this.notices.toWatcher(model, user, users, now))];
  }

  /** An admin's status change (PresenceService.setStatus): an online user's status is set; the reply says what became of it. */
  fromAdmin(model: PresenceModel, body: Buffer, now: number, fx: Effects): AdminStatusReply {
    const request = parseAdminStatusRequest(body);
    if (!request) return { ok: false, reason: 'malformed request' };
    if (!model.isOnline(request.user)) return { ok: false, offline: true, reason: `${request.user} is offline: a status lasts while the user is connected` };
    model.setStatus(request.user, request.status, request.text, now, fx);
    return { ok: true };
  }
}
