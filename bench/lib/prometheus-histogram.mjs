// A Prometheus histogram read from a /metrics scrape, so that a phase's own observations can be
// told apart (after minus before) and its quantiles bounded by the buckets they fall in.

const bucketLine = /^(\w+)_bucket\{([^}]*)\} (\S+)$/;
const leLabel = /(?:^|,)le="([^"]+)"/;

/**
 * The cumulative bucket counts of histogram `name` in Prometheus text, summed
 * over any other labels: `[{ le, count }]` in ascending `le`, `+Inf` last.
 * Undefined when the text has no such histogram.
 */
export function histogramBuckets(text, name) {
  const counts = new Map();
  for (const line of text.split('\n')) {
    const match = bucketLine.exec(line);
    if (match === null || match[1] !== name) continue;
    const le = leLabel.exec(match[2])?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    counts.set(bound, (counts.get(bound) ?? 0) + Number(match[3]));
  }
  if (counts.size === 0) return undefined;
  return [...counts].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** The observations made between two scrapes of one histogram. */
export function bucketsBetween(before, after) {
  const earlier = new Map(before.map(({ le, count }) => [le, count]));
  return after.map(({ le, count }) => ({ le, count: count - (earlier.get(le) ?? 0) }));
}

/**
 * The upper bound of the bucket where the cumulative count first reaches
 * `q` of all observations (Infinity past the last finite bucket; NaN with no
 * observations): the quantile is at most this.
 */
export function quantileBound(buckets, q) {
  const total = buckets[buckets.length - 1].count;
  if (total === 0) return NaN;
  return buckets.find(({ count }) => count >= q * total).le;
}

/** The share of observations above `bound`, which must be one of the buckets' bounds. */
export function shareAbove(buckets, bound) {
  const total = buckets[buckets.length - 1].count;
  const within = buckets.find(({ le }) => le === bound)?.count;
  return within === undefined || total === 0 ? NaN : (total - within) / total;
}

/** Scrapes `url` and answers histogram `name`'s buckets, or undefined if the scrape fails or lacks it. */
export async function scrapeHistogram(url, name) {
  try {
    const response = await fetch(url);
    if (!response.ok) return undefined;
    return histogramBuckets(await response.text(), name);
  } catch {
    return undefined;
  }
}
