import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/**
 * A scrape as one number per series: counters and gauges by name and labels,
 * histograms by their `_count` (their sums and buckets hold timings, which no
 * test may depend on). The text must parse with parse-prometheus-text-format;
 * that parser merges the series of a labelled histogram, so their `_count`
 * lines are read from the text itself.
 */
export function samplesOf(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const histograms = new Set<string>();
  for (const family of parsePrometheusTextFormat(text)) {
    if (family.type === 'HISTOGRAM' || family.type === 'SUMMARY') {
      histograms.add(`${family.name}_count`);
      continue;
    }
    for (const metric of family.metrics) samples.set(`${family.name}${labelsText(metric.labels)}`, Number(metric.value));
  }
  for (const line of text.split('\n')) {
    const match = sampleLine.exec(line);
    if (match && histograms.has(match[1] as string)) samples.set(`${match[1]}${labelsText(labelsOf(match[2] ?? ''))}`, Number(match[3]));
  }
  return samples;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function labelsOf(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [, name, value] of text.matchAll(labelPair)) labels[name as string] = JSON.parse(`"${value}"`) as string;
  return labels;
}

/** How each series moved between two scrapes, leaving out the ones that did not (and the process's own). */
export function movedBetween(before: Map<string, number>, after: Map<string, number>, prefix = 'tokenpak_'): Map<string, number> {
  const moved = new Map<string, number>();
  for (const [series, value] of after) {
    if (!series.startsWith(prefix)) continue;
    const delta = value - (before.get(series) ?? 0);
    if (Math.abs(delta) > 1e-12) moved.set(series, Number(delta.toPrecision(12)));
  }
  return moved;
}

export function series(name: string, labels: Record<string, string> = {}): string {
  return `${name}${labelsText(labels)}`;
}

function labelsText(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '' : `{${entries.map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(',')}}`;
}
