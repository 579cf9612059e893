import type { UsageGroup, UsageGrouping, UsageLedger } from './ledger.js';

const durations = /^(\d+(?:\.\d+)?)(m|h|d)$/;
const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const groupings: readonly UsageGrouping[] = ['hour', 'model', 'provider', 'key', 'user', 'cache', 'api'];

export interface UsageQuery {
  /** `24h`, `7d`, `30m`, or an ISO date. */
  since: string;
  groupBy: UsageGrouping;
}

/** How the caller spells the two parameters, so that an error names the one its user typed. */
export interface UsageQueryNames {
  since: string;
  groupBy: string;
}

/** The furthest a JavaScript Date reaches from 1970, either way. */
const latestDateMs = 8.64e15;

const apiNames: UsageQueryNames = { since: 'since', groupBy: 'group_by' };

/** Reads `since` and `group_by` as the API and the CLI take them; throws a message a person can act on. */
export function parseUsageQuery(since: string | undefined, groupBy: string | undefined, names: UsageQueryNames = apiNames): UsageQuery {
  const query = { since: since ?? '24h', groupBy: (groupBy ?? 'model') as UsageGrouping };
  if (!groupings.includes(query.groupBy)) throw new Error(`${names.groupBy} must be one of ${groupings.join(', ')}, not "${groupBy}"`);
  // A duration too long for a Date (99999999d) is refused with the unreadable ones: the report prints its start as a date.
  if (!(Math.abs(sinceMs(query.since)) <= latestDateMs)) throw new Error(`${names.since} must be a duration such as 24h, 7d or 30m, or an ISO date, not "${query.since}"`);
  return query;
}

/** The start of the report in Unix ms; NaN when `since` is neither a duration nor a date. */
export function sinceMs(since: string, now: number = Date.now()): number {
  const duration = durations.exec(since);
  if (duration) return now - Number(duration[1]) * unitMs[duration[2] as keyof typeof unitMs];
  return Date.parse(since);
}

/** The one report behind `GET /admin/usage` and `tokenpak usage`, so that both give the same figures. */
export function usageReport(ledger: UsageLedger, query: UsageQuery) {
  const from = sinceMs(query.since);
  const groups = ledger.usage(from, query.groupBy);
  return { object: 'usage_report', since: new Date(from).toISOString(), group_by: query.groupBy, data: groups, totals: totals(groups) };
}

function totals(groups: UsageGroup[]) {
  const priced = groups.filter((group) => group.cost_usd !== null);
  return {
    requests: sum(groups, 'requests'),
    prompt_tokens: sum(groups, 'prompt_tokens'),
    completion_tokens: sum(groups, 'completion_tokens'),
    cached_tokens: sum(groups, 'cached_tokens'),
    cost_usd: priced.length === 0 ? null : priced.reduce((total, group) => total + (group.cost_usd ?? 0), 0),
    unpriced_requests: sum(groups, 'unpriced_requests'),
  };
}

function sum(groups: UsageGroup[], field: 'requests' | 'prompt_tokens' | 'completion_tokens' | 'cached_tokens' | 'unpriced_requests'): number {
  return groups.reduce((total, group) => total + group[field], 0);
}
