export interface MicroBatcherOptions<T> {
  /** A batch is taken at once when this many items wait... */
  maxSize: number;
  /**
   * ...or this long after the first of them arrived, when no batch is being handled (0: on the next
   * turn of the event loop). While one is, items gather and the next batch is taken when it is done.
   */
  maxWaitMs: number;
  /** Each batch is handed over sorted by this key (e.g. the delivery order). */
  orderOf: (item: T) => number;
  /** Batches whose second stage (the `tail` of the step) may run at once, beside the next batches. */
  maxTails: number;
}

/**
 * What is done with one batch, in two stages: the promise resolves once the next batch may start,
 * with the rest of this batch's work (wrapped: a bare promise would be awaited), or null when
 * there is nothing more to wait for.
 */
export type BatchStep<T> = (batch: T[]) => Promise<{ tail: Promise<void> } | null>;

/**
 * Gathers items into batches by size or time and hands them, in order, to one step at a time;
 * a batch's tail overlaps the next batches, up to `maxTails` of them. Knows nothing of what
 * the items are.
 */
export class MicroBatcher<T> {
  private queue: T[] = [];
  private readonly tails = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;

  constructor(
    private readonly options: MicroBatcherOptions<T>,
    private readonly step: BatchStep<T>,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  add(item: T): void {
    this.queue.push(item);
    this.kick(this.queue.length >= this.options.maxSize ? 0 : this.options.maxWaitMs);
  }

  /** Takes no more batches; returns the items still waiting, for their owner to give up. */
  stop(): T[] {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return this.queue.splice(0);
  }

  private kick(delay: number): void {
    if (this.running || this.stopped) return; // the running loop picks the queue up
    if (delay === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, delay);
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        while (this.tails.size >= this.options.maxTails) await Promise.race(this.tails);
        const batch = this.queue.splice(0, this.options.maxSize);
        batch.sort((a, b) => this.options.orderOf(a) - this.options.orderOf(b));
        const done = await this.step(batch);
        if (!done) continue;
        const tracked = done.tail.finally(() => this.tails.delete(tracked));
        this.tails.add(tracked);
      }
    } finally {
      this.running = false;
    }
  }
}
