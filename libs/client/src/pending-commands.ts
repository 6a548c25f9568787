import { GroupAction, GroupResult } from '@app/protocol';
import { ClientErrorCode, GroupCommandError } from './errors';
import { CheckedGroupResult } from './inbox-router';
import { OutgoingPublish, takeUnpublished } from './pending-sends';

interface Entry {
  action: GroupAction;
  /** The command_id it carries, which the engine echoes in its result. */
  commandId?: string;
  publish: OutgoingPublish;
  /** On the wire (its answer can come); false while it waits for the connection. */
  published: boolean;
  /** Its caller was told TIMEOUT; the entry stays only to take its late answer. */
  expired: boolean;
  resolve: (result: GroupResult) => void;
  reject: (error: GroupCommandError) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

/**
 * Group commands waiting for the engine's result, in one queue per group. Each command carries a
 * `command_id` the engine echoes in its result: a result with one settles exactly its command. A
 * result without one (an engine that does not echo it) settles the oldest command of its group:
 * the engine answers one user's commands on one group topic in the order it received them, and one
 * connection delivers them in the order they were published.
 *
 * What keeps the queues aligned:
 * - a command that times out stays in its queue (expired) until its answer comes, so that answer
 *   cannot settle a later command (the engine answers every command it reads, retrying meanwhile);
 * - a lost connection loses the answers of the commands that were out: they fail with DISCONNECTED
 *   and leave the queue (they are not published again: a command is not idempotent); those that
 *   were still waiting to go out stay, and go out after the reconnect;
 * - a result whose action differs from the oldest command's is not its answer (e.g. the answer to
 *   the same user's command from another device) and settles nothing.
 * What cannot be told apart: another device of the same user sending the same action to the same
 * group while a command of this client is out, or an answer delayed past a reconnect.
 */
export class PendingCommands {
  private readonly queues = new Map<string, Entry[]>();

  /** Commands whose caller is still waiting. */
  get size(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.filter((e) => !e.expired).length;
    return n;
  }

  /** Waits for the group's result: resolves when ok, rejects with a GroupCommandError when not, or with TIMEOUT after timeoutMs. */
  wait(groupId: string, action: GroupAction, publish: OutgoingPublish, published: boolean, timeoutMs: number, commandId?: string): Promise<GroupResult> {
    return new Promise<GroupResult>((resolve, reject) => {
      const entry: Entry = { action, commandId, publish, published, expired: false, resolve, reject, timer: null };
      entry.timer = setTimeout(() => {
        entry.timer = null;
        entry.expired = true;
        // One that never went out has no answer to wait for.
        if (!entry.published) this.remove(groupId, entry);
        reject(new GroupCommandError(ClientErrorCode.TIMEOUT, `no answer from the engine within ${timeoutMs} ms; it may have been applied`, groupId, action, true));
      }, timeoutMs);
      const queue = this.queues.get(groupId);
      if (queue) queue.push(entry);
      else this.queues.set(groupId, [entry]);
    });
  }

  /** Settles the oldest published command of the result's group; false when the result answers none of them. */
  answer(result: CheckedGroupResult): boolean {
    const queue = this.queues.get(result.group_id);
    const head = result.command_id !== undefined ? queue?.find((e) => e.commandId === result.command_id) : queue?.[0];
    if (!head || !head.published) return false;
    if (result.action !== undefined && result.action !== head.action) return false;
    this.remove(result.group_id, head);
    if (head.expired) return true;
    if (head.timer) clearTimeout(head.timer);
    if (result.ok) head.resolve(result);
    else head.reject(new GroupCommandError(result.code, result.reason, result.group_id, head.action, false));
    return true;
  }

  /** The commands waiting to go out, oldest first, now counted as out. */
  takeUnpublished(): OutgoingPublish[] {
    return takeUnpublished([...this.queues.values()].flat());
  }

  /** The connection dropped: the answers of the commands that were out are lost. */
  connectionLost(reason: string): void {
    for (const [groupId, queue] of [...this.queues]) {
      for (const entry of queue.filter((e) => e.published)) {
        this.remove(groupId, entry);
        this.fail(groupId, entry, ClientErrorCode.DISCONNECTED, reason);
      }
    }
  }

  rejectAll(code: ClientErrorCode, reason: string): void {
    for (const [groupId, queue] of [...this.queues]) {
      for (const entry of [...queue]) {
        this.remove(groupId, entry);
        this.fail(groupId, entry, code, reason);
      }
    }
  }

  private fail(groupId: string, entry: Entry, code: ClientErrorCode, reason: string): void {
    if (entry.expired) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.reject(new GroupCommandError(code, reason, groupId, entry.action, true));
  }

  private remove(groupId: string, entry: Entry): void {
    const queue = this.queues.get(groupId);
    if (!queue) return;
    const rest = queue.filter((e) => e !== entry);
    if (rest.length) this.queues.set(groupId, rest);
    else this.queues.delete(groupId);
  }
}
