import { PathName } from '../config/bench-config';

/** One way of carrying the load from the users' publishes to the users' subscriptions. */
export interface PathDriver {
  readonly name: PathName;
  /** Connects and subscribes every user. */
  connect(): Promise<void>;
  /** Publishes a message from user `from` to user `to`. */
  send(from: number, to: number, id: string, text: string): void;
  close(): Promise<void>;
}

/** Runs `task` over the items, at most `limit` at a time (connecting 100 users at once is a stampede). */
export async function inBatches<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
