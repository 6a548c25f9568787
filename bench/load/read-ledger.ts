/** One conversation as its reader should have left it: every message from `peer` marked read. */
export interface ExpectedPosition {
  reader: string;
  peer: string;
  /** The highest id of the messages the reader received from the peer (ids sort by time; positions only move forward). */
  readUpTo: string;
}

/**
 * What the `--receipts` phase's readers received and marked read, for the end check: per reader
 * and peer the highest message id received, and the markRead calls not settled yet (the check
 * waits for none before it reads the database).
 */
export class ReadLedger {
  private readonly highest = new Map<string, ExpectedPosition>();
  private pendingReads = 0;
  /** markRead calls that failed (the client closed, or refused before publishing). */
  failed = 0;
  /** Receipts the engine refused (`receiptRefused`), by code. */
  readonly refused: Record<string, number> = {};

  /** A message from `peer` arrived at `reader`. */
  received(reader: string, peer: string, messageId: string): void {
    const key = `${reader}\n${peer}`;
    const known = this.highest.get(key);
    if (!known) this.highest.set(key, { reader, peer, readUpTo: messageId });
    else if (messageId > known.readUpTo) known.readUpTo = messageId;
  }

  /** Follows one markRead call until it settles. */
  track(read: Promise<void>): void {
    this.pendingReads++;
    read.then(
      () => this.pendingReads--,
      () => {
        this.pendingReads--;
        this.failed++;
      },
    );
  }

  refusal(code: string): void {
    this.refused[code] = (this.refused[code] ?? 0) + 1;
  }

  /** markRead calls made (or due) and not settled. */
  get pending(): number {
    return this.pendingReads;
  }

  /** Every conversation that got messages, with the read position it should have. */
  expected(): ExpectedPosition[] {
    return [...this.highest.values()];
  }
}
