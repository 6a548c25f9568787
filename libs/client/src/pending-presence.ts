import { PresenceResult } from '@app/protocol';
import { ClientErrorCode, PresenceCommandError } from './errors';
import { CheckedPresenceResult } from './inbox-router';
import { OutgoingPublish, takeUnpublished } from './pending-sends';

/** `status` (setStatus) or `watch`, as the engine's result names it. */
export type PresenceCommandKind = PresenceResult['command'];

interface Entry {
  kind: PresenceCommandKind;
  /** The command_id it carries, which the engine echoes in its result. */
  commandId: string;
  /** Order of the calls, so that only a newer accepted command replaces an older one. */
  seq: number;
  publish: OutgoingPublish;
  /** The same command without its command_id: what goes out again after a reconnect once it is accepted. */
  resend: OutgoingPublish;
  /** On the wire on the current connection (its answer can come); false while it waits for the connection. */
  published: boolean;
  /** Its caller was told TIMEOUT; the entry stays only to take its late answer. */
  expired: boolean;
  resolve: (result: PresenceResult) => void;
  reject: (error: PresenceCommandError) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

/**
 * Presence commands waiting for the engine's result, and the last command of each kind the engine
 * accepted. Results are matched by command_id only: every device of the user gets the results of
 * all of them on one topic, so a result with no command_id, or with one no command here carries,
 * settles nothing.
 *
 * Unlike a group command, a presence command says what the state is to be (a status, a whole watch
 * list), so sending it twice does no harm. That is what a reconnect needs, because the engine
 * forgets a user's status and watch list when all their connections close:
 * - a command that was out when the connection dropped goes out again (same command_id) after the
 *   reconnect, and still times out after its timeoutMs;
 * - for each kind with no such command, the last accepted one goes out again, without a command_id
 *   (its result answers no one).
 */
export class PendingPresence {
  private entries: Entry[] = [];
  private seq = 0;
  private readonly accepted = new Map<PresenceCommandKind, { seq: number; resend: OutgoingPublish }>();

  /** Commands whose caller is still waiting. */
  get size(): number {
    return this.entries.filter((e) => !e.expired).length;
  }

  /** Waits for the command's result: resolves when ok, rejects with a PresenceCommandError when not, or with TIMEOUT after timeoutMs. */
  wait(kind: PresenceCommandKind, commandId: string, publish: OutgoingPublish, resend: OutgoingPublish, published: boolean, timeoutMs: number): Promise<PresenceResult> {
    return new Promise<PresenceResult>((resolve, reject) => {
      const entry: Entry = { kind, commandId, seq: ++this.seq, publish, resend, published, expired: false, resolve, reject, timer: null };
      entry.timer = setTimeout(() => {
        entry.timer = null;
        entry.expired = true;
        // One that is not on the wire has no answer to wait for.
        if (!entry.published) this.remove(entry);
        reject(new PresenceCommandError(ClientErrorCode.TIMEOUT, `no answer from the engine within ${timeoutMs} ms; it may have been applied`, kind, true));
      }, timeoutMs);
      this.entries.push(entry);
    });
  }

  /** Settles the command whose command_id the result echoes; false when the result answers none of this client's commands. */
  answer(result: CheckedPresenceResult): boolean {
    const entry = result.command_id === undefined ? undefined : this.entries.find((e) => e.commandId === result.command_id);
    if (!entry || !entry.published || entry.kind !== result.command) return false;
    this.remove(entry);
    if (result.ok && (this.accepted.get(entry.kind)?.seq ?? 0) < entry.seq) this.accepted.set(entry.kind, { seq: entry.seq, resend: entry.resend });
    if (entry.expired) return true;
    if (entry.timer) clearTimeout(entry.timer);
    if (result.ok) entry.resolve(result);
    else entry.reject(new PresenceCommandError(result.code, result.reason, entry.kind, false));
    return true;
  }

  /**
   * The connection dropped: the answers of the commands that were out are lost. Those whose caller
   * is still waiting go out again after the reconnect; the expired ones are given up.
   */
  connectionLost(): void {
    this.entries = this.entries.filter((e) => !e.expired);
    for (const entry of this.entries) entry.published = false;
  }

  /**
   * What to publish once connected and subscribed, in this order, now counted as out: after a
   * reconnect, the last accepted command of each kind that has no command waiting; then every
   * command waiting to go out, oldest first.
   */
  takeUnpublished(reconnected: boolean): OutgoingPublish[] {
    const out: OutgoingPublish[] = [];
    if (reconnected) {
      for (const [kind, { resend }] of this.accepted) {
        if (!this.entries.some((e) => e.kind === kind)) out.push(resend);
      }
    }
    out.push(...takeUnpublished(this.entries));
    return out;
  }

  rejectAll(code: ClientErrorCode, reason: string): void {
    const entries = this.entries;
    this.entries = [];
    for (const entry of entries) {
      if (entry.expired) continue;
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(new PresenceCommandError(code, reason, entry.kind, true));
    }
  }

  private remove(entry: Entry): void {
    this.entries = this.entries.filter((e) => e !== entry);
  }
}
