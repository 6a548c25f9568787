import { writeFileSync } from 'node:fs';
import { BenchResult } from '../run/bench';
import { connectionsTable, connectionsTargets } from './connections-figures';
import { fanoutTables, fanoutTargets } from './fanout-figures';
import { figureTable, FIGURES, representativeTrial } from './figures';
import { receiptsFigures } from './receipts-figures';

/** Every figure of the run as JSON: the raw results, and the summary table with engine / raw ratios. */
export function writeJsonReport(file: string, result: BenchResult): void {
  const raw = representativeTrial(result.phases.raw);
  const engine = representativeTrial(result.phases.engine);
  const document = {
    format: 'messaging-engine-bench/1',
    ...result,
    summary: {
      highestSustainedRate: result.config.search
        ? {
            raw: result.phases.raw?.search?.best ?? null,
            engine: result.phases.engine?.search?.best ?? null,
            ratio:
              result.phases.raw?.search?.best && result.phases.engine?.search
                ? result.phases.engine.search.best / result.phases.raw.search.best
                : null,
          }
        : null,
      figures: result.fanout || result.connections ? null : figureTable(FIGURES, raw, engine),
      /** The engine's pipeline stages in the engine trial the figures stand for. */
      engineStages: engine?.stages ?? null,
      // --kill-engine-at: the restart's figures (also in the engine trial, as `restart`).
      restart: engine?.restart ?? null,
      // --receipts: the engine path with receipts against without (figures: with / without as the ratio), the targets and the end check.
      receipts: result.receipts
        ? (() => {
            const without = representativeTrial(result.phases.engine);
            const withReceipts = representativeTrial(result.receipts.phase);
            return {
              figures: figureTable(FIGURES, without, withReceipts),
              ...(without && withReceipts ? receiptsFigures(without, withReceipts, result.receipts.check) : {}),
              check: result.receipts.check,
            };
          })()
        : null,
      fanout: result.fanout ? { ...fanoutTables(result.fanout), targets: fanoutTargets(result.fanout) } : null,
      // The connections scenario: every figure (engine only), the one-to-one trials alone and beside, and the targets.
      connections: result.connections
        ? {
            figures: connectionsTable(result.connections),
            oneToOne: figureTable(FIGURES, result.connections.alone, result.connections.beside),
            targets: connectionsTargets(result.connections),
          }
        : null,
    },
  };
  writeFileSync(file, JSON.stringify(document, (_k, v: unknown) => (v === Infinity ? 'Infinity' : v), 2) + '\n');
}
