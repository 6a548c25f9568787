import { isPresenceStatus, isValidUserId, PresenceStatus, presenceTextProblem } from '@app/protocol';

/** An admin's status change, as it travels to the leader through the presence queue. */
export interface AdminStatusRequest {
  user: string;
  status: PresenceStatus;
  text?: string;
}

/** The leader's answer. `offline`: the user has no live connection, so there is nothing to set. */
export interface AdminStatusReply {
  ok: boolean;
  offline?: boolean;
  reason?: string;
}

/** Null when the body is not a request this version understands. */
export function parseAdminStatusRequest(body: Buffer): AdminStatusRequest | null {
  try {
    const o = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if (!isValidUserId(o.user) || !isPresenceStatus(o.status) || presenceTextProblem(o.text)) return null;
    return { user: o.user, status: o.status, ...(typeof o.text === 'string' && o.text.length > 0 && { text: o.text }) };
  } catch {
    return null;
  }
}
