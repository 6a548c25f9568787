import { ClientErrorCode, SendError, SendErrorCode } from './errors';

/** What was published for a send, kept to publish it again after a reconnect. */
export interface OutgoingPublish {
  topic: string;
  body: string;
}

/** A command waiting for its answer: what it publishes, and whether that is on the wire on the current connection. */
export interface PublishedEntry {
  publish: OutgoingPublish;
  published: boolean;
}

/** The publishes of the entries not on the wire yet, oldest first, now counted as out. */
export function takeUnpublished(entries: Iterable<PublishedEntry>): OutgoingPublish[] {
  const out: OutgoingPublish[] = [];
  for (const entry of entries) {
    if (entry.published) continue;
    entry.published = true;
    out.push(entry.publish);
  }
  return out;
}

interface Entry {
  publish: OutgoingPublish;
  waiters: Waiter[];
}

interface Waiter {
  resolve: (messageId: string) => void;
  reject: (error: SendError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Sends waiting for the engine's answer, by client_message_id. Several sends may share one id (a
 * retry while the first attempt is still out): the engine stores the message once, so they all
 * settle with the same answer.
 */
export class PendingSends {
  private readonly waiting = new Map<string, Entry>();

  get size(): number {
    return this.waiting.size;
  }

  /** One publish per waiting id, oldest first. */
  publishes(): OutgoingPublish[] {
    return [...this.waiting.values()].map((e) => e.publish);
  }

  /** Waits for confirm() or reject() of the id, or fails with TIMEOUT after timeoutMs. */
  wait(clientMessageId: string, timeoutMs: number, publish: OutgoingPublish): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.remove(clientMessageId, waiter);
          reject(new SendError(ClientErrorCode.TIMEOUT, `no answer from the engine within ${timeoutMs} ms`, clientMessageId, true));
        }, timeoutMs),
      };
      const entry = this.waiting.get(clientMessageId);
      if (entry) entry.waiters.push(waiter);
      else this.waiting.set(clientMessageId, { publish, waiters: [waiter] });
    });
  }

  /** Settles the id's sends with the engine's message_id; false when none was waiting. */
  confirm(clientMessageId: string, messageId: string): boolean {
    return this.settle(clientMessageId, (w) => w.resolve(messageId));
  }

  /** Fails the id's sends; false when none was waiting. */
  reject(clientMessageId: string, code: SendErrorCode, reason: string, local: boolean): boolean {
    return this.settle(clientMessageId, (w) => w.reject(new SendError(code, reason, clientMessageId, local)));
  }

  rejectAll(code: SendErrorCode, reason: string): void {
    for (const id of [...this.waiting.keys()]) this.reject(id, code, reason, true);
  }

  private settle(clientMessageId: string, fn: (w: Waiter) => void): boolean {
    const entry = this.waiting.get(clientMessageId);
    if (!entry) return false;
    this.waiting.delete(clientMessageId);
    for (const w of entry.waiters) {
      clearTimeout(w.timer);
      fn(w);
    }
    return true;
  }

  private remove(clientMessageId: string, waiter: Waiter): void {
    const entry = this.waiting.get(clientMessageId);
    if (!entry) return;
    entry.waiters = entry.waiters.filter((w) => w !== waiter);
    if (!entry.waiters.length) this.waiting.delete(clientMessageId);
  }
}
