import { ConversationNotice, ConversationResult } from '@app/protocol';
import { ClientErrorCode, ConversationCommandError } from './errors';
import { OutgoingPublish, takeUnpublished } from './pending-sends';

export type ConversationAction = ConversationResult['action'];

interface Entry {
  peer: string;
  action: ConversationAction;
  publish: OutgoingPublish;
  /** On the wire on the current connection (its answer can come); false while it waits for the connection. */
  published: boolean;
  resolve: (notice: ConversationNotice) => void;
  reject: (error: ConversationCommandError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Archive and unarchive commands waiting for the engine. The wire has no command_id for them: an
 * accepted command is answered by the notice every device of the user gets (`archived` true or
 * false), a refused one by a result on the conversation's topic naming its action. So a notice
 * settles every command of this client that asked for that state of that conversation (whoever's
 * command it answers, the state is the one asked for), and a refusal the oldest command of its
 * conversation and action (refusals depend on the conversation, not on which device asked).
 *
 * Both commands set the state whole, so sending one twice does no harm: one that was out when the
 * connection dropped goes out again after the reconnect (and still times out after its timeoutMs).
 */
export class PendingConversations {
  private entries: Entry[] = [];

  /** Commands whose caller is still waiting. */
  get size(): number {
    return this.entries.length;
  }

  wait(peer: string, action: ConversationAction, publish: OutgoingPublish, published: boolean, timeoutMs: number): Promise<ConversationNotice> {
    return new Promise<ConversationNotice>((resolve, reject) => {
      const entry: Entry = {
        peer,
        action,
        publish,
        published,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.remove(entry);
          reject(new ConversationCommandError(ClientErrorCode.TIMEOUT, `no answer from the engine within ${timeoutMs} ms; it may have been applied`, peer, action, true));
        }, timeoutMs),
      };
      this.entries.push(entry);
    });
  }

  /** Settles the commands that asked for the state the notice tells; false when none did. */
  notice(notice: ConversationNotice): boolean {
    const action: ConversationAction = notice.archived ? 'archive' : 'unarchive';
    const settled = this.entries.filter((e) => e.published && e.peer === notice.peer && e.action === action);
    for (const entry of settled) {
      this.remove(entry);
      clearTimeout(entry.timer);
      entry.resolve(notice);
    }
    return settled.length > 0;
  }

  /** Fails the oldest command of the refusal's conversation and action; false when there is none. */
  refused(peer: string, result: ConversationResult): boolean {
    const entry = this.entries.find((e) => e.published && e.peer === peer && e.action === result.action);
    if (!entry) return false;
    this.remove(entry);
    clearTimeout(entry.timer);
    entry.reject(new ConversationCommandError(result.code, result.reason, peer, entry.action, false));
    return true;
  }

  /** The connection dropped: the answers of the commands that were out are lost; they go out again. */
  connectionLost(): void {
    for (const entry of this.entries) entry.published = false;
  }

  /** The commands waiting to go out, oldest first, now counted as out. */
  takeUnpublished(): OutgoingPublish[] {
    return takeUnpublished(this.entries);
  }

  rejectAll(code: ClientErrorCode, reason: string): void {
    const entries = this.entries;
    this.entries = [];
    for (const entry of entries) {
      clearTimeout(entry.timer);
      entry.reject(new ConversationCommandError(code, reason, entry.peer, entry.action, true));
    }
  }

  private remove(entry: Entry): void {
    this.entries = this.entries.filter((e) => e !== entry);
  }
}
