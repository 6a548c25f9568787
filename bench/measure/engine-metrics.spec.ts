import { counterTotal, dbWritesBetween, engineActivity, histogramsBetween, stagesBetween } from './engine-metrics';

/** A scrape with the stage histograms: per stage [<= 1 ms, <= 10 ms, total, sum in s]; the pipeline likewise. */
function scrape(stages: Record<string, [number, number, number, number]>, pipeline?: [number, number, number, number]): string {
  const lines = ['# HELP engine_stage_seconds Time spent in each pipeline stage', '# TYPE engine_stage_seconds histogram'];
  for (const [stage, [a, b, total, sum]] of Object.entries(stages)) {
    lines.push(
      `engine_stage_seconds_bucket{le="0.001",stage="${stage}"} ${a}`,
      `engine_stage_seconds_bucket{le="0.01",stage="${stage}"} ${b}`,
      `engine_stage_seconds_bucket{le="+Inf",stage="${stage}"} ${total}`,
      `engine_stage_seconds_sum{stage="${stage}"} ${sum}`,
      `engine_stage_seconds_count{stage="${stage}"} ${total}`,
    );
  }
  if (pipeline) {
    const [a, b, total, sum] = pipeline;
    lines.push(
      '# TYPE engine_pipeline_latency_seconds histogram',
      `engine_pipeline_latency_seconds_bucket{le="0.001"} ${a}`,
      `engine_pipeline_latency_seconds_bucket{le="0.01"} ${b}`,
      `engine_pipeline_latency_seconds_bucket{le="+Inf"} ${total}`,
      `engine_pipeline_latency_seconds_sum ${sum}`,
      `engine_pipeline_latency_seconds_count ${total}`,
    );
  }
  lines.push('process_cpu_seconds_total 3.5');
  return lines.join('\n') + '\n';
}

describe('stagesBetween', () => {
  const before = scrape({ insert: [0, 10, 10, 0.05], policy: [100, 100, 100, 0.01] }, [0, 100, 100, 0.5]);
  // Between the scrapes: 10 inserts all in (1, 10] ms summing 60 ms; 200 policy reads, 100 of them in (1, 10] ms;
  // 200 pipelines, half in (1, 10] ms and half above 10 ms; publish_confirm appeared only in the second scrape.
  const after = scrape(
    { insert: [0, 20, 20, 0.11], policy: [200, 300, 300, 0.31], publish_confirm: [4, 4, 4, 0.002] },
    [0, 200, 300, 3.5],
  );

  it('reports each stage between the scrapes in pipeline order, the pipeline last', () => {
    const stages = stagesBetween(before, after)!;
    expect(stages.map((s) => [s.stage, s.per, s.count])).toEqual([
      ['policy', 'message', 200],
      ['insert', 'batch', 10],
      ['publish_confirm', 'batch', 4],
      ['pipeline', 'message', 200],
    ]);
    const [policy, insert, confirm, pipeline] = stages;
    expect(policy.meanMs).toBeCloseTo(1.5);
    // 100 of 200 at <= 1 ms: the median is the bucket's top; p99 (rank 198) interpolates within (1, 10].
    expect(policy.p50Ms).toBeCloseTo(1);
    expect(policy.p99Ms).toBeCloseTo(1 + 9 * (98 / 100));
    expect(insert.meanMs).toBeCloseTo(6);
    expect(insert.p50Ms).toBeCloseTo(5.5);
    expect(confirm.p99Ms).toBeCloseTo(0.99);
    expect(pipeline.meanMs).toBeCloseTo(15);
    expect(pipeline.p50Ms).toBeCloseTo(10);
    // In the +Inf bucket: the highest finite bound, as histogram_quantile answers.
    expect(pipeline.p99Ms).toBeCloseTo(10);
  });

  it('is null when the engine exposes neither histogram, or a scrape is missing', () => {
    expect(stagesBetween('process_cpu_seconds_total 1\n', 'process_cpu_seconds_total 2\n')).toBeNull();
    expect(stagesBetween(null, after)).toBeNull();
    expect(stagesBetween(before, null)).toBeNull();
  });

  it('reports the pipeline alone for an engine without engine_stage_seconds', () => {
    const older = (n: number) => scrape({}, [0, n, n, n * 0.002]);
    expect(stagesBetween(older(10), older(30))).toEqual([{ stage: 'pipeline', per: 'message', count: 20, meanMs: expect.closeTo(2, 9), p50Ms: expect.closeTo(5.5, 9), p95Ms: expect.closeTo(9.55, 9), p99Ms: expect.closeTo(9.91, 9) }]);
  });
});

describe('histogramsBetween', () => {
  it('keys series by the label, and "" for a histogram without it', () => {
    const text = scrape({ a: [1, 1, 1, 0] }, [1, 1, 1, 0]);
    expect([...histogramsBetween(text, text, 'engine_stage_seconds', 'stage')!.keys()]).toEqual(['a']);
    expect(histogramsBetween(text, text, 'engine_pipeline_latency_seconds', 'stage')!.get('')).toMatchObject({ count: 0, meanMs: 0, p50Ms: null });
  });

  it('keeps dbWritesBetween as it was: one entry per operation', () => {
    const db = (n: number) => `engine_db_write_seconds_bucket{le="0.01",operation="insert_messages"} ${n}\nengine_db_write_seconds_bucket{le="+Inf",operation="insert_messages"} ${n}\nengine_db_write_seconds_sum{operation="insert_messages"} ${n * 0.004}\nengine_db_write_seconds_count{operation="insert_messages"} ${n}\n`;
    expect(dbWritesBetween(db(5), db(15))).toEqual([{ operation: 'insert_messages', count: 10, meanMs: expect.closeTo(4, 9), p50Ms: 5, p95Ms: 9.5, p99Ms: expect.closeTo(9.9, 9) }]);
    expect(dbWritesBetween(db(5), 'up 1\n')).toBeNull();
  });
});


const activityScrape = `engine_messages_duplicate_total{reason="a"} 3
engine_messages_duplicate_total{reason="b"} 4
engine_messages_duplicate_total_other 100
engine_batch_size_bucket{le="10"} 1
engine_batch_size_bucket{le="500"} 3
engine_batch_size_bucket{le="+Inf"} 3
engine_batch_size_sum 910
engine_batch_size_count 3
engine_stage_seconds_bucket{le="1",stage="insert"} 1
engine_stage_seconds_bucket{le="+Inf",stage="insert"} 2
engine_stage_seconds_sum{stage="insert"} 20.5
engine_stage_seconds_count{stage="insert"} 2
`;

describe('engineActivity', () => {
  it('sums a counter over its series, and only that counter', () => {
    expect(counterTotal(activityScrape, 'engine_messages_duplicate_total')).toBe(7);
    expect(counterTotal(activityScrape, 'engine_messages_redelivered_total')).toBeNull();
  });

  it('reads the batch sizes and the stages since the engine started, times in ms', () => {
    const a = engineActivity(activityScrape);
    expect(a.counters).toEqual({ engine_messages_duplicate_total: 7 });
    expect(a.batchSize).toEqual([expect.objectContaining({ series: '', count: 3, mean: 910 / 3 })]);
    expect(a.stageMs).toEqual([expect.objectContaining({ series: 'insert', count: 2, mean: 10_250 })]);
    expect(a.dbWriteMs).toEqual([]);
  });
});
