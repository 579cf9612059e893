import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { bucketsBetween, histogramBuckets, quantileBound, shareAbove } from '../../bench/lib/prometheus-histogram.mjs';

const bounds = [0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002];

/** A scrape of a histogram that has observed `values`, in prom-client's own text format. */
async function scrape(values: number[], labelled = false): Promise<string> {
  const registry = new Registry();
  const histogram = new Histogram({ name: 'tokenpak_overhead_seconds', help: 'overhead', buckets: bounds, labelNames: labelled ? ['api'] : [], registers: [registry] });
  values.forEach((value, index) => (labelled ? histogram.observe({ api: index % 2 === 0 ? 'chat' : 'messages' }, value) : histogram.observe(value)));
  return registry.metrics();
}

describe('bench: reading a Prometheus histogram', () => {
  it('reads cumulative bucket counts in ascending order, +Inf last', async () => {
    const buckets = histogramBuckets(await scrape([0.0002, 0.0002, 0.0009, 0.01]), 'tokenpak_overhead_seconds');
    expect(buckets?.map(({ le, count }) => [le, count])).toEqual([
      [0.0001, 0],
      [0.00025, 2],
      [0.0005, 2],
      [0.00075, 2],
      [0.001, 3],
      [0.0015, 3],
      [0.002, 3],
      [Infinity, 4],
    ]);
  });

  it('sums the buckets over other labels', async () => {
    const buckets = histogramBuckets(await scrape([0.0002, 0.0002, 0.0009], true), 'tokenpak_overhead_seconds');
    expect(buckets?.at(-1)?.count).toBe(3);
  });

  it('answers undefined for a histogram the scrape lacks', async () => {
    expect(histogramBuckets(await scrape([0.0002]), 'tokenpak_request_duration_seconds')).toBeUndefined();
  });

  it('bounds a phase’s quantiles by the observations made between two scrapes', async () => {
    const before = histogramBuckets(await scrape(Array(50).fill(0.0018)), 'tokenpak_overhead_seconds')!;
    const phase = [...Array(98).fill(0.0003), 0.0009, 0.0012];
    const after = histogramBuckets(await scrape([...Array(50).fill(0.0018), ...phase]), 'tokenpak_overhead_seconds')!;
    const between = bucketsBetween(before, after);
    expect([quantileBound(between, 0.5), quantileBound(between, 0.99), shareAbove(between, 0.001)]).toEqual([0.0005, 0.001, 0.01]);
  });

  it('bounds a quantile past the last finite bucket by Infinity', async () => {
    const buckets = histogramBuckets(await scrape([0.0002, 0.5]), 'tokenpak_overhead_seconds')!;
    expect(quantileBound(buckets, 0.99)).toBe(Infinity);
  });
});
