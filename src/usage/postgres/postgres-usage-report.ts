import { hourMs, type LedgerSpend, type UsageGroup, type UsageGrouping } from '../ledger.js';
import { ledgerSpendOf, type KeyUserSpend } from '../ledger-spend.js';
import type { ReadRows } from './postgres-ledger-reads.js';

const utcHour = `'YYYY-MM-DD"T"HH24:00:00"Z"'`;

/** How the request rows group each way the API offers; fixed strings, never built from input. */
const rowGroups: Record<UsageGrouping, string> = {
  hour: `to_char(to_timestamp((time / ${hourMs}) * 3600) AT TIME ZONE 'UTC', ${utcHour})`,
  model: 'model',
  provider: 'provider',
  // A virtual key's rows under its name, whatever ids it had; other keys under their hash.
  key: "COALESCE(NULLIF(key_name, ''), key_id)",
  user: '"user"',
  cache: 'cache',
  api: 'api',
};

/** The same groups from usage_hourly, which stores a missing provider or key name as ''. */
const rollupGroups: Partial<Record<UsageGrouping, string>> = {
  hour: `to_char(to_timestamp(hour * 3600) AT TIME ZONE 'UTC', ${utcHour})`,
  model: 'model',
  provider: "NULLIF(provider, '')",
  key: "COALESCE(NULLIF(key_name, ''), key_id)",
};

/** Sums of the parts below, as numbers; a cost or saving only when some row knew one. Groups sort as SQLite sorts them. */
const totalsOfParts = `SELECT "group", sum(requests)::float8 AS requests, sum(prompt_tokens)::float8 AS prompt_tokens,
    sum(completion_tokens)::float8 AS completion_tokens, sum(cached_tokens)::float8 AS cached_tokens, sum(cache_write_tokens)::float8 AS cache_write_tokens,
    CASE WHEN sum(priced_requests) > 0 THEN sum(cost_usd)::float8 END AS cost_usd, (sum(requests) - sum(priced_requests))::float8 AS unpriced_requests,
    CASE WHEN sum(saved_requests) > 0 THEN sum(saved_usd)::float8 END AS saved_usd, sum(saved_tokens)::float8 AS saved_tokens`;

function rowsPart(group: string, range: string): string {
  return `SELECT ${group} AS "group", 1 AS requests, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens,
      COALESCE(cost_usd, 0) AS cost_usd, (cost_usd IS NOT NULL)::integer AS priced_requests, COALESCE(saved_usd, 0) AS saved_usd,
      (saved_usd IS NOT NULL)::integer AS saved_requests, saved_tokens
    FROM requests WHERE ${range}`;
}

function rowsOnlySql(groupBy: UsageGrouping, byKey: boolean): string {
  return `${totalsOfParts} FROM (${rowsPart(rowGroups[groupBy], `time >= $1${byKey ? ' AND key_id = $2' : ''}`)}) AS parts
    GROUP BY 1 ORDER BY "group" COLLATE "C" NULLS FIRST`;
}

/** Whole hours from the rollups, the hour the report starts in from the rows. Parameters: first whole hour, since, its ms, key id. */
function withRollupsSql(rollupGroup: string, rowGroup: string, byKey: boolean): string {
  const key = byKey ? ' AND key_id = $4' : '';
  return `${totalsOfParts} FROM (
      SELECT ${rollupGroup} AS "group", requests, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, cost_usd, priced_requests,
          saved_usd, saved_requests, saved_tokens
        FROM usage_hourly WHERE hour >= $1${key}
      UNION ALL
      ${rowsPart(rowGroup, `time >= $2 AND time < $3${key}`)}
    ) AS parts GROUP BY 1 ORDER BY "group" COLLATE "C" NULLS FIRST`;
}

/**
 * The usage report's figures from PostgreSQL, as SQLite's: groupings the
 * rollups hold (hour, model, provider, key) read them for the whole hours of
 * the range and the rows for the hour it starts in; the others (user, cache,
 * api) read the rows, which cover `usage.retention_days`.
 */
export async function usageFromPostgres(read: ReadRows, since: number, groupBy: UsageGrouping, keyId?: string): Promise<UsageGroup[]> {
  const byKey = keyId !== undefined;
  const from = Math.ceil(since);
  const rollupGroup = rollupGroups[groupBy];
  if (rollupGroup === undefined) return read(rowsOnlySql(groupBy, byKey), byKey ? [from, keyId] : [from]);
  const firstWholeHour = Math.ceil(from / hourMs);
  const values = [firstWholeHour, from, firstWholeHour * hourMs];
  return read(withRollupsSql(rollupGroup, rowGroups[groupBy], byKey), byKey ? [...values, keyId] : values);
}

/** Known spend since `since`, in total, per key and per user of each key. */
export async function spendFromPostgres(read: ReadRows, since: number): Promise<LedgerSpend> {
  const rows = await read<KeyUserSpend>(
    'SELECT key_id AS "keyId", "user", sum(cost_usd)::float8 AS cost FROM requests WHERE time >= $1 AND cost_usd IS NOT NULL GROUP BY key_id, "user"',
    [Math.ceil(since)],
  );
  return ledgerSpendOf(rows);
}
