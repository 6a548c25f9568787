import { MessageUpdateResult } from '@app/protocol';
import { ClientErrorCode, MessageUpdateError } from './errors';
import { CheckedMessageUpdateResult } from './inbox-router';
import { OutgoingPublish, takeUnpublished } from './pending-sends';

interface Entry {
  messageId: string;
  publish: OutgoingPublish;
  /** On the wire on the current connection (its answer can come); false while it waits for the connection. */
  published: boolean;
  /** Its caller was told TIMEOUT; the entry stays only to take its late answer. */
  expired: boolean;
  resolve: (result: MessageUpdateResult) => void;
  reject: (error: MessageUpdateError) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

/**
 * Edits and deletes waiting for the engine's result, by the command_id each carries and the engine
 * echoes. A result with no command_id, or one no update here carries (another device's), settles
 * nothing. An update says what the message is to be (this text, deleted), and the engine answers a
 * repeated delete as the first: so, like a presence command and unlike a group command, one that
 * was out when the connection dropped goes out again (same command_id) after the reconnect, and
 * still times out after its timeoutMs.
 */
export class PendingUpdates {
  private readonly entries = new Map<string, Entry>();

  /** Updates whose caller is still waiting. */
  get size(): number {
    let n = 0;
    for (const e of this.entries.values()) if (!e.expired) n++;
    return n;
  }

  wait(commandId: string, messageId: string, publish: OutgoingPublish, published: boolean, timeoutMs: number): Promise<MessageUpdateResult> {
    return new Promise<MessageUpdateResult>((resolve, reject) => {
      const entry: Entry = { messageId, publish, published, expired: false, resolve, reject, timer: null };
      entry.timer = setTimeout(() => {
        entry.timer = null;
        entry.expired = true;
        if (!entry.published) this.entries.delete(commandId);
        reject(new MessageUpdateError(ClientErrorCode.TIMEOUT, `no answer from the engine within ${timeoutMs} ms; it may have been applied`, messageId, true));
      }, timeoutMs);
      this.entries.set(commandId, entry);
    });
  }

  /** Settles the update whose command_id the result echoes; false when it answers none of this client's. */
  answer(result: CheckedMessageUpdateResult): boolean {
    const entry = result.command_id === undefined ? undefined : this.entries.get(result.command_id);
    if (!entry || !entry.published || entry.messageId !== result.message_id) return false;
    this.entries.delete(result.command_id!);
    if (entry.expired) return true;
    if (entry.timer) clearTimeout(entry.timer);
    if (result.ok) entry.resolve(result);
    else entry.reject(new MessageUpdateError(result.code, result.reason, entry.messageId, false));
    return true;
  }

  /** The connection dropped: the answers of the updates that were out are lost; those still awaited go out again. */
  connectionLost(): void {
    for (const [id, entry] of this.entries) {
      if (entry.expired) this.entries.delete(id);
      else entry.published = false;
    }
  }

  /** The updates waiting to go out, oldest first, now counted as out. */
  takeUnpublished(): OutgoingPublish[] {
    return takeUnpublished(this.entries.values());
  }

  rejectAll(code: ClientErrorCode, reason: string): void {
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const entry of entries) {
      if (entry.expired) continue;
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(new MessageUpdateError(code, reason, entry.messageId, true));
    }
  }
}
