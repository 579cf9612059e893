/**
 * Latency percentiles from counts per logarithmic bin, so that SQLite counts
 * rows per bin and no row's latency is read into JavaScript. Bin `b` holds
 * latencies in [growth^b, growth^(b+1)) ms (bin 0 also holds everything under
 * 1 ms); with eight bins per doubling each bin is 9% wide, so a percentile is
 * within 9% of the exact one.
 */
const binsPerDoubling = 8;
const growth = 2 ** (1 / binsPerDoubling);

/** What SQL multiplies `ln(max(latency_ms, 1))` by before truncating it to the bin number. */
export const latencyBinScale = binsPerDoubling / Math.LN2;

/** The bin SQL puts a latency in (the same arithmetic, for tests). */
export function latencyBin(latencyMs: number): number {
  return Math.trunc(Math.log(Math.max(latencyMs, 1)) * latencyBinScale);
}

/**
 * The `quantile` (0–1) of the latencies counted in `bins` (bin → requests),
 * interpolated linearly within the bin it falls in, rounded to 0.1 ms; null
 * with no requests.
 */
export function percentileFromBins(bins: ReadonlyMap<number, number>, quantile: number): number | null {
  const ordered = [...bins].filter(([, count]) => count > 0).sort(([a], [b]) => a - b);
  const total = ordered.reduce((sum, [, count]) => sum + count, 0);
  const rank = quantile * total;
  let below = 0;
  for (const [index, [bin, count]] of ordered.entries()) {
    // The last bin takes whatever rounding left over.
    if (below + count >= rank || index === ordered.length - 1) {
      const low = bin === 0 ? 0 : growth ** bin;
      const high = growth ** (bin + 1);
      return round(low + Math.min(1, (rank - below) / count) * (high - low));
    }
    below += count;
  }
  return null;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
