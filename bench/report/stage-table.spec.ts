import { StageStats } from '../measure/engine-metrics';
import { stageTable } from './stage-table';

const stat = (stage: string, per: StageStats['per'], count: number, meanMs: number, p99Ms: number | null): StageStats => ({ stage, per, count, meanMs, p50Ms: meanMs, p95Ms: p99Ms, p99Ms });

describe('stageTable', () => {
  it('shows every stage in pipeline order, n/a for those the engine does not expose', () => {
    const lines = stageTable([stat('pipeline', 'message', 9000, 4.2, 14.5), stat('insert', 'batch', 1200, 1.18, null)]);
    expect(lines).toHaveLength(7);
    expect(lines[1]).toMatch(/stage\s+per\s+count\s+mean, ms\s+p50, ms\s+p99, ms/);
    expect(lines.slice(2).map((l) => l.trim().split(/\s+/)[0])).toEqual(['policy', 'batch_wait', 'insert', 'publish_confirm', 'pipeline']);
    expect(lines[2]).toMatch(/policy\s+message\s+n\/a$/);
    expect(lines[4].trim().split(/\s+/)).toEqual(['insert', 'batch', '1,200', '1.18', '1.18', '-']);
    expect(lines[6].trim().split(/\s+/)).toEqual(['pipeline', 'message', '9,000', '4.20', '4.20', '14.5']);
  });

  it('is one n/a line when the engine exposes no stage at all', () => {
    expect(stageTable(null)).toEqual([expect.stringMatching(/n\/a \(no engine_stage_seconds/)]);
  });
});
