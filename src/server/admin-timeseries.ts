import type { ServerResponse } from 'node:http';
import { percentileFromBins } from '../usage/latency-histogram.js';
import type { UsageLedger } from '../usage/ledger.js';
import type { HourlyTotals, RequestFilter, SeriesGrouping } from '../usage/ledger-reads.js';
import { invalid, seriesGroupingOf, timeRangeOf } from './admin-query.js';
import { sendJson } from './respond.js';

const hourMs = 3_600_000;
/** An hour is final this long after it ends: its last requests' rows are committed by then (the ledger writes each tick). */
const settleMs = 10_000;
/** The longest series one read gives: a month and a day. Longer ones would hold the event loop (SQLite reads them whole) for seconds on a busy ledger. */
const maxSeriesHours = 31 * 24;
/** Groupings whose finished hours are kept: their groups are few (providers, models); keys may be thousands, and are read afresh. */
const cachedGroupings: ReadonlySet<SeriesGrouping> = new Set(['none', 'provider', 'model']);

export interface SeriesPoint extends Omit<HourlyTotals, 'hour'> {
  hour: string;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
}

/**
 * The series of hours that are over, per ledger and grouping: they never
 * change, so a dashboard polling every few seconds asks SQLite only for the
 * current hour (a day of 100,000 requests took ~130 ms of the event loop to
 * read whole, each poll). Not kept for PostgreSQL: other replicas' spooled
 * rows may reach a finished hour later, and its reads do not hold the loop.
 */
const finishedHours = new WeakMap<UsageLedger, Map<SeriesGrouping, Map<number, SeriesPoint[]>>>();

/**
 * `GET /admin/timeseries`: per UTC hour (and group), the requests, errors,
 * spend, savings, tokens, cache hits and latency p50/p95, from the start of
 * the hour `since` falls in. The percentiles come from SQLite's counts per
 * latency bin (within 9% of the exact ones, see latency-histogram.ts), so no
 * row is read into JavaScript.
 */
export async function sendTimeseries(params: URLSearchParams, res: ServerResponse, ledger: UsageLedger, keyId?: string, now: number = Date.now()): Promise<void> {
  const range = timeRangeOf(params, now);
  const groupBy = seriesGroupingOf(params);
  const since = Math.floor(range.since / hourMs) * hourMs;
  const end = Math.min(range.until ?? now, now);
  if (end - since > maxSeriesHours * hourMs) throw invalid('since', `a time series covers at most ${maxSeriesHours / 24} days: since must be later`);
  const data = await pointsBetween(ledger, groupBy, { since, until: end, keyId }, now);
  sendJson(res, 200, {
    object: 'timeseries',
    step: 'hour',
    since: new Date(since).toISOString(),
    until: range.until === undefined ? null : new Date(range.until).toISOString(),
    group_by: groupBy,
    data,
  });
}

/** `range.keyId` holds a virtual key to its own rows: such reads keep nothing (the cache is the whole ledger's). */
async function pointsBetween(ledger: UsageLedger, groupBy: SeriesGrouping, range: { since: number; until: number; keyId: string | undefined }, now: number): Promise<SeriesPoint[]> {
  const { since, until: end, keyId } = range;
  const cacheable = cachedGroupings.has(groupBy) && keyId === undefined && ledger.health().backend === 'sqlite';
  const cache = cacheable ? cacheOf(ledger, groupBy) : undefined;
  const points: SeriesPoint[] = [];
  let missingFrom: number | undefined;
  const readMissing = async (until: number) => {
    if (missingFrom === undefined) return;
    const read = await pointsByHour(ledger, groupBy, { since: missingFrom, until, keyId });
    for (let hour = missingFrom; hour < until; hour += hourMs) {
      const hourPoints = read.get(hour) ?? [];
      if (cache) remember(cache, hour, hourPoints);
      points.push(...hourPoints);
    }
    missingFrom = undefined;
  };
  let hour = since;
  for (; hour + hourMs <= end && hour + hourMs + settleMs <= now; hour += hourMs) {
    const known = cache?.get(hour);
    if (known === undefined) {
      missingFrom ??= hour;
      continue;
    }
    await readMissing(hour);
    points.push(...known);
  }
  await readMissing(hour);
  // The hour still filling (or cut by `until`): read afresh every time.
  if (hour < end) for (const hourPoints of (await pointsByHour(ledger, groupBy, { since: hour, until: end, keyId })).values()) points.push(...hourPoints);
  return points;
}

/** The points of a range of hours, by the hour's start (Unix ms). */
async function pointsByHour(ledger: UsageLedger, groupBy: SeriesGrouping, range: RequestFilter): Promise<Map<number, SeriesPoint[]>> {
  const [latencyBins, hourlyTotals] = await Promise.all([ledger.queries.hourlyLatencyBins(range, groupBy), ledger.queries.hourlyTotals(range, groupBy)]);
  const binsBySeries = new Map<string, Map<number, number>>();
  for (const { hour, group, bin, requests } of latencyBins) {
    const key = seriesKey(hour, group);
    let bins = binsBySeries.get(key);
    if (!bins) binsBySeries.set(key, (bins = new Map()));
    bins.set(bin, requests);
  }
  const byHour = new Map<number, SeriesPoint[]>();
  for (const { hour, ...totals } of hourlyTotals) {
    const bins = binsBySeries.get(seriesKey(hour, totals.group)) ?? new Map<number, number>();
    const point = { hour: new Date(hour * hourMs).toISOString(), ...totals, latency_p50_ms: percentileFromBins(bins, 0.5), latency_p95_ms: percentileFromBins(bins, 0.95) };
    const start = hour * hourMs;
    const hourPoints = byHour.get(start);
    if (hourPoints) hourPoints.push(point);
    else byHour.set(start, [point]);
  }
  return byHour;
}

function cacheOf(ledger: UsageLedger, groupBy: SeriesGrouping): Map<number, SeriesPoint[]> {
  let byGrouping = finishedHours.get(ledger);
  if (!byGrouping) finishedHours.set(ledger, (byGrouping = new Map()));
  let cache = byGrouping.get(groupBy);
  if (!cache) byGrouping.set(groupBy, (cache = new Map()));
  return cache;
}

/** Keeps a finished hour, forgetting the oldest beyond the longest series. */
function remember(cache: Map<number, SeriesPoint[]>, hour: number, points: SeriesPoint[]): void {
  cache.set(hour, points);
  if (cache.size <= maxSeriesHours) return;
  const oldest = Math.min(...cache.keys());
  cache.delete(oldest);
}

/** A group is a string or null: JSON keeps the two apart. */
function seriesKey(hour: number, group: string | null): string {
  return JSON.stringify([hour, group]);
}
