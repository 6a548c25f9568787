import { Injectable } from '@nestjs/common';
import { LanesOutcome, runInLanes } from '../common/async';

/**
 * Statements per bulk of updates: FerretDB runs a bulk's statements one after the other, so small
 * bulks side by side go faster than one large one, and one small bulk holds the database briefly.
 */
export const STATEMENTS_PER_BULK = 5;
/**
 * FerretDB holds a backend connection per statement of an update command, plus one, until the
 * command ends, and hangs for good when its pool (50 on PostgreSQL) runs dry (docs/database.md).
 * The engine's bulks of updates share these slots: at most 24 connections for bulks (4 bulks of 5),
 * and the driver's other 6 connections at 2 each for single updates and reads, 36 of the 50.
 */
export const UPDATE_SLOTS = 24;
/** Bulks one writer runs at once when it may use the whole budget. */
export const MAX_BULKS_AT_ONCE = Math.floor(UPDATE_SLOTS / (STATEMENTS_PER_BULK + 1));

/**
 * Runs every bulk update command of the engine (conversation summaries, presence) under one budget
 * of FerretDB's backend connections, so writers that each stay small cannot add up to a hang.
 * One per process, as the driver's connection pool is.
 */
@Injectable()
export class BulkUpdates {
  private free = UPDATE_SLOTS;
  private readonly waiting: Array<() => void> = [];

  /**
   * `write` over the items in bulks of STATEMENTS_PER_BULK, up to `atMostAtOnce` at once as far
   * as the slots allow (bulks of other writers included). After a failed bulk no new one starts;
   * what was not written (the failed bulk and those not started) is returned with the first error.
   */
  async inBulks<T>(items: readonly T[], write: (bulk: T[]) => Promise<void>, atMostAtOnce = MAX_BULKS_AT_ONCE): Promise<LanesOutcome<T>> {
    const bulks: T[][] = [];
    for (let i = 0; i < items.length; i += STATEMENTS_PER_BULK) bulks.push(items.slice(i, i + STATEMENTS_PER_BULK));
    const lanes = Math.min(atMostAtOnce, MAX_BULKS_AT_ONCE);
    const outcome = await runInLanes(bulks, lanes, (bulk) => this.withSlots(bulk.length + 1, () => write(bulk)));
    return { ...outcome, undone: outcome.undone.flat() };
  }

  /** Slots free now (for tests). */
  get freeSlots(): number {
    return this.free;
  }

  private async withSlots(slots: number, fn: () => Promise<void>): Promise<void> {
    while (this.free < slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.free -= slots;
    try {
      await fn();
    } finally {
      this.free += slots;
      // Wake everyone waiting: each checks again for the slots it needs.
      for (const wake of this.waiting.splice(0)) wake();
    }
  }
}
