import { GatewayError } from '../core/errors.js';
import type { RequestFilter, SeriesGrouping } from '../usage/ledger-reads.js';
import { parseUsageQuery, sinceMs } from '../usage/usage-report.js';

const exactStatus = /^[1-5]\d\d$/;
const statusClass = /^([1-5])xx$/;
const positiveInteger = /^[1-9]\d{0,15}$/;
const cacheStates = new Set(['hit', 'miss', 'bypass']);
const seriesGroupings: readonly SeriesGrouping[] = ['none', 'provider', 'model', 'key'];
/** Longer than any provider, model, key name or API the gateway records. */
const maxMatchLength = 256;

export const maxPageSize = 500;
const defaultPageSize = 50;

/** A refusal naming the query parameter, as the admin API's other 400s are shaped. */
export function invalid(param: string, message: string): GatewayError {
  return new GatewayError(400, message, { code: 'invalid_query', param });
}

/** `since` (default 24h) and `until` as Unix ms; `since` spelt as `/admin/usage` takes it, `until` likewise (a duration counts back from now). */
export function timeRangeOf(params: URLSearchParams, now: number = Date.now()): { since: number; until: number | undefined } {
  let since: string;
  try {
    since = parseUsageQuery(params.get('since') ?? undefined, undefined).since;
  } catch (error) {
    throw invalid('since', (error as Error).message);
  }
  const untilText = params.get('until');
  if (untilText === null) return { since: sinceMs(since, now), until: undefined };
  const until = sinceMs(untilText, now);
  // NaN, or too far for a Date, which the response prints it as.
  if (Number.isNaN(new Date(until).getTime())) throw invalid('until', `until must be an ISO date or a duration such as 1h, not "${untilText}"`);
  return { since: sinceMs(since, now), until };
}

/** The filters `/admin/requests` and `/admin/requests.csv` share; an empty value is no filter (a form's unset field). */
export function requestFilterOf(params: URLSearchParams, now: number = Date.now()): RequestFilter {
  const filter: RequestFilter = timeRangeOf(params, now);
  for (const name of ['provider', 'model', 'key', 'api'] as const) {
    const value = params.get(name);
    if (!value) continue;
    if (value.length > maxMatchLength) throw invalid(name, `${name} must be at most ${maxMatchLength} characters`);
    filter[name] = value;
  }
  const status = params.get('status');
  if (status) filter.status = statusRangeOf(status);
  const cache = params.get('cache');
  if (cache) {
    if (!cacheStates.has(cache)) throw invalid('cache', `cache must be hit, miss or bypass, not "${cache}"`);
    filter.cache = cache;
  }
  return filter;
}

/** `limit` (1–500, default 50) and `before` (a request's id) of a page of `/admin/requests`. */
export function pageOf(params: URLSearchParams): { limit: number; before: number | undefined } {
  const limitText = params.get('limit');
  const limit = limitText === null ? defaultPageSize : Number(limitText);
  if (limitText !== null && (!positiveInteger.test(limitText) || limit > maxPageSize)) throw invalid('limit', `limit must be a whole number from 1 to ${maxPageSize}, not "${limitText}"`);
  const beforeText = params.get('before');
  if (beforeText === null) return { limit, before: undefined };
  if (!positiveInteger.test(beforeText)) throw invalid('before', `before must be a request's id (a positive whole number), not "${beforeText}"`);
  return { limit, before: Number(beforeText) };
}

/** `group_by` of `/admin/timeseries`: none (the default), provider, model or key. */
export function seriesGroupingOf(params: URLSearchParams): SeriesGrouping {
  const groupBy = params.get('group_by') ?? 'none';
  if (!seriesGroupings.includes(groupBy as SeriesGrouping)) throw invalid('group_by', `group_by must be one of ${seriesGroupings.join(', ')}, not "${groupBy}"`);
  return groupBy as SeriesGrouping;
}

function statusRangeOf(status: string): { min: number; max: number } {
  if (exactStatus.test(status)) return { min: Number(status), max: Number(status) };
  const range = statusClass.exec(status);
  if (!range) throw invalid('status', `status must be an HTTP status such as 200, or a class such as 2xx, 4xx or 5xx, not "${status}"`);
  const hundreds = Number(range[1]) * 100;
  return { min: hundreds, max: hundreds + 99 };
}
