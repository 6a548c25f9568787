import { parseBenchArgs, USAGE } from './config/args';
import { readCheckMismatches } from './measure/read-check';
import { connectionsFailed } from './report/connections-figures';
import { fanoutLost } from './report/fanout-figures';
import { writeJsonReport } from './report/json-report';
import { writePicture } from './report/picture';
import { Progress } from './report/progress';
import { textReport } from './report/text-report';
import { runBench } from './run/bench';
import { historyTrials } from './run/history';
import { Resources } from './run/resources';

/** Exit status when the run completed but some message was lost or misrouted, or (--receipts) a read position or unread count was wrong. */
const EXIT_LOST = 2;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseBenchArgs(argv);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${USAGE}\n`);
    return 1;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const progress = new Progress();
  const resources = new Resources();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    progress.log(`${signal}: stopping what the bench started`);
    void resources.releaseAll((l) => progress.log(l)).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const result = await runBench(parsed.config, progress, resources);
    await resources.releaseAll((l) => progress.log(l));
    // Files first, so the report's last lines can name them; a file that cannot be written must not cost the report.
    const files: string[] = [];
    const write = (what: string, file: string | undefined, writer: (file: string) => string) => {
      if (!file) return;
      try {
        files.push(`${what}: ${writer(file)}`);
      } catch (err) {
        files.push(`${what}: could not write ${file}: ${(err as Error).message}`);
      }
    };
    write('figures (JSON)', parsed.config.jsonFile, (file) => (writeJsonReport(file, result), file));
    write('picture (SVG)', parsed.config.pictureFile, (file) => (writePicture(file, result) ? file : 'none (no latency samples)'));
    process.stdout.write(textReport(result, files));
    const history = result.history ? [{ trials: historyTrials(result.history) }] : [];
    const phases = [...Object.values(result.phases), ...(result.receipts ? [result.receipts.phase] : []), ...history];
    const bad =
      phases.some((p) => p.trials.some((t) => t.counts.lost > 0 || t.counts.misrouted > 0)) ||
      fanoutLost(result) ||
      connectionsFailed(result) ||
      (result.receipts !== undefined && readCheckMismatches(result.receipts.check) > 0);
    return bad && !parsed.config.search ? EXIT_LOST : 0;
  } catch (err) {
    progress.log(`failed: ${err instanceof Error ? err.message : String(err)}`);
    await resources.releaseAll((l) => progress.log(l));
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
