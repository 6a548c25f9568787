import { ExpectedPosition } from '../load/read-ledger';

/** The end check of `--receipts`: the stored read positions and the admin list's unread counts. */
export interface ReadCheck {
  /** (reader, peer) conversations that got messages, each checked. */
  conversations: number;
  /** Conversations whose stored read_up_to is missing or not the last message the reader received from the peer. */
  positionsWrong: number;
  /** Conversations whose unread_count in the reader's list is not 0, or that the list lacks. */
  unreadWrong: number;
  /** From the end of the drain until the check found everything right, or gave up (s). */
  settleSeconds: number;
  /** markRead calls not settled when the check read the database (it waits for none, up to its timeout). */
  pendingReads: number;
  /** markRead calls that failed, and receipts the engine refused, by code. */
  failedReads: number;
  refused: Record<string, number>;
  /** One wrong conversation, for the report (none when all are right). */
  example?: string;
}

export type Mismatches = Pick<ReadCheck, 'conversations' | 'positionsWrong' | 'unreadWrong' | 'example'>;

/**
 * Compares what every reader should have left (all messages read) with what is stored: the read
 * position (`storedReadUpTo`, undefined when there is none) and the unread count of the reader's
 * conversation list (`unreadCount`, undefined when the list lacks the conversation, or when it was
 * not read: then only positions are compared).
 */
export function compareReadState(
  expected: readonly ExpectedPosition[],
  storedReadUpTo: (reader: string, peer: string) => string | undefined,
  unreadCount?: (reader: string, peer: string) => number | undefined,
): Mismatches {
  const out: Mismatches = { conversations: expected.length, positionsWrong: 0, unreadWrong: 0 };
  for (const e of expected) {
    const stored = storedReadUpTo(e.reader, e.peer);
    if (stored !== e.readUpTo) {
      out.positionsWrong++;
      out.example ??= `${e.reader} with ${e.peer}: read_up_to ${stored ?? 'none'}, expected ${e.readUpTo}`;
    }
    if (!unreadCount) continue;
    const unread = unreadCount(e.reader, e.peer);
    if (unread !== 0) {
      out.unreadWrong++;
      out.example ??= `${e.reader} with ${e.peer}: unread_count ${unread ?? 'not listed'}, expected 0`;
    }
  }
  return out;
}

/** Every mismatch the check found (the run's exit status is 2 on any). */
export function readCheckMismatches(c: ReadCheck): number {
  return c.positionsWrong + c.unreadWrong;
}
