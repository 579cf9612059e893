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
export async function usageReport(ledger: UsageLedger, query: UsageQuery, keyId?: string) {
  const from = sinceMs(query.since);
  const groups = await ledger.usage(from, query.groupBy, keyId);
  return {
    object: 'usage_report',
    since: new Date(from).toISOString(),
    group_by: query.groupBy,
    data: groups.map(withCacheReadShare),
    totals: withCacheReadShare(totals(groups)),
  };
}

/**
 * Adds `cache_read_share`: the share of prompt tokens read from the provider's
 * prompt cache (`cached_tokens / prompt_tokens`), at most 1 whatever an
 * upstream reported; null without prompt tokens.
 */
function withCacheReadShare<Group extends Omit<UsageGroup, 'group'>>(group: Group): Group & { cache_read_share: number | null } {
  return { ...group, cache_read_share: group.prompt_tokens > 0 ? Math.min(1, group.cached_tokens / group.prompt_tokens) : null };
}

function totals(groups: UsageGroup[]): Omit<UsageGroup, 'group'> {
  return {
    requests: sum(groups, 'requests'),
    prompt_tokens: sum(groups, 'prompt_tokens'),
    completion_tokens: sum(groups, 'completion_tokens'),
    cached_tokens: sum(groups, 'cached_tokens'),
    cache_write_tokens: sum(groups, 'cache_write_tokens'),
    cost_usd: knownSum(groups, 'cost_usd'),
    unpriced_requests: sum(groups, 'unpriced_requests'),
    saved_usd: knownSum(groups, 'saved_usd'),
    saved_tokens: sum(groups, 'saved_tokens'),
  };
}

type CountField = 'requests' | 'prompt_tokens' | 'completion_tokens' | 'cached_tokens' | 'cache_write_tokens' | 'unpriced_requests' | 'saved_tokens';

function sum(groups: UsageGroup[], field: CountField): number {
  return groups.reduce((total, group) => total + group[field], 0);
}

/** The sum of the groups that know the amount; null when none does. */
function knownSum(groups: UsageGroup[], field: 'cost_usd' | 'saved_usd'): number | null {
  const known = groups.filter((group) => group[field] !== null);
  return known.length === 0 ? null : known.reduce((total, group) => total + (group[field] ?? 0), 0);
}
