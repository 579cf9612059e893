import { describe, expect, it } from 'vitest';
import { latencyBin, percentileFromBins } from './latency-histogram.js';

function binsOf(latencies: number[]): Map<number, number> {
  const bins = new Map<number, number>();
  for (const latency of latencies) bins.set(latencyBin(latency), (bins.get(latencyBin(latency)) ?? 0) + 1);
  return bins;
}

function exactPercentile(latencies: number[], quantile: number): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] as number;
}

describe('latency percentiles from bins', () => {
  it('stays within 9% of the exact percentile over a wide spread of latencies', () => {
    // A deterministic spread from 2 ms to about 20 s, denser at the low end as real latencies are.
    const latencies = Array.from({ length: 5000 }, (_, i) => 2 * 10_000 ** ((i * 7919) % 5000 / 5000));
    for (const quantile of [0.5, 0.95, 0.99]) {
      const estimate = percentileFromBins(binsOf(latencies), quantile) as number;
      const exact = exactPercentile(latencies, quantile);
      expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.09);
    }
  });

  it('keeps p50 at or below p95, both within the bin of a single latency', () => {
    const bins = binsOf([250]);
    const p50 = percentileFromBins(bins, 0.5) as number;
    const p95 = percentileFromBins(bins, 0.95) as number;
    expect(p50).toBeLessThanOrEqual(p95);
    expect(Math.abs(p50 - 250) / 250).toBeLessThan(0.09);
    expect(Math.abs(p95 - 250) / 250).toBeLessThan(0.09);
  });

  it('puts p95 among the slow requests when one in ten is slow', () => {
    const bins = binsOf([...Array<number>(90).fill(100), ...Array<number>(10).fill(3000)]);
    expect(percentileFromBins(bins, 0.5)).toBeLessThan(110);
    expect(percentileFromBins(bins, 0.95)).toBeGreaterThan(2700);
  });

  it('answers sub-millisecond latencies from the first bin, and null with no requests', () => {
    expect(percentileFromBins(binsOf([0.2, 0.4, 0.6]), 0.5)).toBeLessThan(1.1);
    expect(percentileFromBins(new Map(), 0.5)).toBeNull();
  });
});
