import { counterTotal, engineActivity } from './engine-metrics';

const scrape = `engine_messages_duplicate_total{reason="a"} 3
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
    expect(counterTotal(scrape, 'engine_messages_duplicate_total')).toBe(7);
    expect(counterTotal(scrape, 'engine_messages_redelivered_total')).toBeNull();
  });

  it('reads the batch sizes and the stages since the engine started, times in ms', () => {
    const a = engineActivity(scrape);
    expect(a.counters).toEqual({ engine_messages_duplicate_total: 7 });
    expect(a.batchSize).toEqual([expect.objectContaining({ series: '', count: 3, mean: 910 / 3 })]);
    expect(a.stageMs).toEqual([expect.objectContaining({ series: 'insert', count: 2, mean: 10_250 })]);
    expect(a.dbWriteMs).toEqual([]);
  });
});
