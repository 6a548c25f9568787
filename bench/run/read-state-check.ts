import { LocalTarget } from '../config/bench-config';
import { inBatches } from '../load/path-driver';
import { ReadLedger } from '../load/read-ledger';
import { compareReadState, Mismatches, ReadCheck } from '../measure/read-check';
import { Progress } from '../report/progress';
import { appIdOf, readPositions, unreadCounts } from '../stack/engine-admin';

export interface ReadStateSource {
  mongoUri: string;
  target: LocalTarget;
  engineUrl: string;
  adminApiKey: string | undefined;
}

/** Between two looks at the database while the positions settle. */
const POLL_MS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The end check of `--receipts`, after the phase drained: waits until every markRead went out,
 * then until the stored read position of every conversation that got messages is the last
 * message its reader received, and the reader's conversation list shows it with nothing unread.
 * Receipts are coalesced by the SDK (one per 500 ms per conversation) and by the engine, and
 * conversation summaries are written a second behind, so it looks again every second, up to
 * `timeoutMs`; what is still wrong then is reported.
 */
export async function checkReadState(source: ReadStateSource, ledger: ReadLedger, timeoutMs: number, progress: Progress): Promise<ReadCheck> {
  const start = performance.now();
  const left = () => timeoutMs - (performance.now() - start);
  while (ledger.pending > 0 && left() > 0) {
    progress.status(`[receipts] ${ledger.pending.toLocaleString('en-US')} read receipts not yet out`);
    await sleep(100);
  }
  const pendingReads = ledger.pending;
  const expected = ledger.expected();
  const appId = appIdOf(source.target.engineEnv);
  const stateId = (reader: string, peer: string) => `${appId}:${reader}:${peer}`;
  const readers = [...new Set(expected.map((e) => e.reader))];
  let found: Mismatches;
  for (;;) {
    const positions = await readPositions(source.mongoUri, source.target.engineEnv, expected.map((e) => stateId(e.reader, e.peer)));
    found = compareReadState(expected, (r, p) => positions.get(stateId(r, p)));
    // The lists once the positions are right (or time is up): a call per reader, each counting
    // unread messages, two at a time (the database scans for each on FerretDB's SQLite backend).
    if (found.positionsWrong === 0 || left() <= 0) {
      const lists = new Map<string, Map<string, number>>();
      await inBatches(readers, 2, async (reader) => void lists.set(reader, await unreadCounts(source.engineUrl, source.adminApiKey, reader)));
      found = compareReadState(expected, (r, p) => positions.get(stateId(r, p)), (r, p) => lists.get(r)?.get(p));
    }
    if (found.positionsWrong + found.unreadWrong === 0 || left() <= 0) break;
    progress.status(`[receipts] ${found.positionsWrong} read positions and ${found.unreadWrong} unread counts not right yet`);
    await sleep(Math.min(POLL_MS, Math.max(0, left())));
  }
  progress.clear();
  return { ...found, settleSeconds: (performance.now() - start) / 1000, pendingReads, failedReads: ledger.failed, refused: { ...ledger.refused } };
}
