import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { hourMs, type UsageGroup, type UsageGrouping } from '../ledger.js';

/** How the request rows group each way the API offers; fixed strings, never built from input. */
const rowGroups: Record<UsageGrouping, string> = {
  hour: "strftime('%Y-%m-%dT%H:00:00Z', time / 1000, 'unixepoch')",
  model: 'model',
  provider: 'provider',
  // A virtual key's rows under its name, whatever ids it had; other keys under their hash.
  key: "COALESCE(NULLIF(key_name, ''), key_id)",
  user: 'user',
  cache: 'cache',
  api: 'api',
};

/** The same groups from usage_hourly, which stores a missing provider or key name as ''. */
const rollupGroups: Partial<Record<UsageGrouping, string>> = {
  hour: "strftime('%Y-%m-%dT%H:00:00Z', hour * 3600, 'unixepoch')",
  model: 'model',
  provider: "NULLIF(provider, '')",
  key: "COALESCE(NULLIF(key_name, ''), key_id)",
};

function rowsOnlySql(groupBy: UsageGrouping, byKey: boolean): string {
  return `SELECT ${rowGroups[groupBy]} AS "group", count(*) AS requests, sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
      sum(cached_tokens) AS cached_tokens, sum(cache_write_tokens) AS cache_write_tokens, sum(cost_usd) AS cost_usd,
      sum(cost_usd IS NULL) AS unpriced_requests, sum(saved_usd) AS saved_usd, sum(saved_tokens) AS saved_tokens
    FROM requests WHERE time >= ?${byKey ? ' AND key_id = ?' : ''} GROUP BY 1 ORDER BY 1`;
}

/** Whole hours from the rollups, the hour the report starts in from the rows; the rollups' sums count only the rows that knew a cost or saving. */
function withRollupsSql(rollupGroup: string, rowGroup: string, byKey: boolean): string {
  const key = byKey ? ' AND key_id = ?' : '';
  return `SELECT "group", sum(requests) AS requests, sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
      sum(cached_tokens) AS cached_tokens, sum(cache_write_tokens) AS cache_write_tokens,
      CASE WHEN sum(priced_requests) > 0 THEN sum(cost_usd) END AS cost_usd, sum(requests) - sum(priced_requests) AS unpriced_requests,
      CASE WHEN sum(saved_requests) > 0 THEN sum(saved_usd) END AS saved_usd, sum(saved_tokens) AS saved_tokens
    FROM (
      SELECT ${rollupGroup} AS "group", requests, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, cost_usd, priced_requests, saved_usd, saved_requests, saved_tokens
        FROM usage_hourly WHERE hour >= ?${key}
      UNION ALL
      SELECT ${rowGroup}, 1, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, COALESCE(cost_usd, 0), cost_usd IS NOT NULL,
          COALESCE(saved_usd, 0), saved_usd IS NOT NULL, saved_tokens
        FROM requests WHERE time >= ? AND time < ?${key}
    ) GROUP BY 1 ORDER BY 1`;
}

/**
 * The usage report's figures from SQLite. Groupings the rollups hold (hour,
 * model, provider, key) read them for the whole hours of the range, so a
 * report over months reads hours × groups rather than every request, and
 * still counts the hours whose rows retention has pruned. The others (user,
 * cache, api) read the rows, which cover `usage.retention_days`.
 */
export class SqliteUsageReport {
  /** One statement per grouping and key filter: at most 14. */
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: SqliteDatabase) {}

  usage(since: number, groupBy: UsageGrouping, keyId?: string): UsageGroup[] {
    const byKey = keyId !== undefined;
    const rollupGroup = rollupGroups[groupBy];
    if (rollupGroup === undefined) {
      return this.statement(`${groupBy}:${byKey}`, () => rowsOnlySql(groupBy, byKey)).all(...(byKey ? [since, keyId] : [since])) as UsageGroup[];
    }
    const firstWholeHour = Math.ceil(since / hourMs);
    const statement = this.statement(`${groupBy}:${byKey}`, () => withRollupsSql(rollupGroup, rowGroups[groupBy], byKey));
    const values = byKey ? [firstWholeHour, keyId, since, firstWholeHour * hourMs, keyId] : [firstWholeHour, since, firstWholeHour * hourMs];
    return statement.all(...values) as UsageGroup[];
  }

  private statement(shape: string, sql: () => string): Statement {
    let statement = this.statements.get(shape);
    if (statement === undefined) {
      statement = this.db.prepare(sql());
      this.statements.set(shape, statement);
    }
    return statement;
  }
}
