import { parseHistograms, quantile, subtract } from './prometheus';

const scrape = (inserts: number[], other = 0) => `# HELP engine_db_write_seconds Database write duration, by operation
# TYPE engine_db_write_seconds histogram
engine_db_write_seconds_bucket{le="0.005",operation="insert_messages"} ${inserts[0]}
engine_db_write_seconds_bucket{le="0.01",operation="insert_messages"} ${inserts[1]}
engine_db_write_seconds_bucket{le="+Inf",operation="insert_messages"} ${inserts[2]}
engine_db_write_seconds_sum{operation="insert_messages"} ${inserts[3]}
engine_db_write_seconds_count{operation="insert_messages"} ${inserts[2]}
engine_db_write_seconds_bucket{le="+Inf",operation="upsert_conversations"} ${other}
engine_db_write_seconds_sum{operation="upsert_conversations"} 0
engine_db_write_seconds_count{operation="upsert_conversations"} ${other}
engine_pipeline_latency_seconds_bucket{le="+Inf"} 99
process_cpu_seconds_total 12.5
`;

describe('parseHistograms', () => {
  it('reads each series of the histogram by label, and nothing else', () => {
    const h = parseHistograms(scrape([2, 6, 8, 0.08], 3), 'engine_db_write_seconds', 'operation');
    expect([...h.keys()]).toEqual(['insert_messages', 'upsert_conversations']);
    expect(h.get('insert_messages')).toEqual({
      buckets: [
        { le: 0.005, count: 2 },
        { le: 0.01, count: 6 },
        { le: Infinity, count: 8 },
      ],
      sum: 0.08,
      count: 8,
    });
  });

  it('finds nothing in a scrape without the histogram', () => {
    expect(parseHistograms('process_cpu_seconds_total 1\n', 'engine_db_write_seconds', 'operation').size).toBe(0);
  });
});

describe('subtract and quantile', () => {
  it('keeps only what happened between two scrapes', () => {
    const before = parseHistograms(scrape([2, 6, 8, 0.08]), 'engine_db_write_seconds', 'operation').get('insert_messages');
    const after = parseHistograms(scrape([12, 16, 18, 0.13]), 'engine_db_write_seconds', 'operation').get('insert_messages')!;
    const delta = subtract(after, before);
    expect(delta.count).toBe(10);
    expect(delta.sum).toBeCloseTo(0.05);
    expect(delta.buckets.map((b) => b.count)).toEqual([10, 10, 10]);
  });

  it('interpolates within the bucket, like histogram_quantile', () => {
    const h = { buckets: [{ le: 0.01, count: 50 }, { le: 0.02, count: 100 }, { le: Infinity, count: 100 }], sum: 1, count: 100 };
    expect(quantile(h, 0.5)).toBeCloseTo(0.01);
    expect(quantile(h, 0.75)).toBeCloseTo(0.015);
    expect(quantile(h, 0.25)).toBeCloseTo(0.005);
  });

  it('answers the highest finite bound for ranks in the +Inf bucket, and null when empty', () => {
    const h = { buckets: [{ le: 0.01, count: 1 }, { le: Infinity, count: 10 }], sum: 1, count: 10 };
    expect(quantile(h, 0.99)).toBe(0.01);
    expect(quantile({ buckets: [], sum: 0, count: 0 }, 0.5)).toBeNull();
  });
});
