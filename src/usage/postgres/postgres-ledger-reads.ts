import { latencyBinScale } from '../latency-histogram.js';
import type { HourlyLatencyBin, HourlyTotals, KeySpend, LedgerReads, RequestFilter, RequestListRow, SeriesGrouping } from '../ledger-reads.js';
import { hourMs } from '../ledger.js';
import { requestFilterConditions } from '../request-filter-conditions.js';

/** Runs one read statement; rejects with `LedgerUnavailableError` while PostgreSQL cannot be reached. */
export type ReadRows = <T>(sql: string, values: unknown[]) => Promise<T[]>;

const seriesGroups: Record<SeriesGrouping, string> = {
  none: 'NULL::text',
  provider: 'provider',
  model: 'model',
  key: "COALESCE(NULLIF(key_name, ''), key_id)",
};

// PostgreSQL returns bigint and numeric as strings: every count and sum is cast to float8 (ids stay far below 2^53).
const rowColumns = `id::float8 AS id, time::float8 AS time, request_id, api, COALESCE(NULLIF(key_name, ''), key_id) AS key, "user", provider, model,
  status, cache, prompt_tokens::float8 AS prompt_tokens, completion_tokens::float8 AS completion_tokens, cached_tokens::float8 AS cached_tokens,
  cache_write_tokens::float8 AS cache_write_tokens, cost_usd, saved_usd, saved_tokens::float8 AS saved_tokens, latency_ms`;

const hourOfRow = `(time / ${hourMs})::float8`;

/** Where a condition's next parameter goes. */
const placeholder = /\?/g;

/**
 * The dashboard's reads, in PostgreSQL: the same figures and shapes as
 * SQLite's. Groups sort as SQLite sorts them (bytewise, no group first), and
 * pages follow ids, newest first.
 */
export class PostgresLedgerReads implements LedgerReads {
  constructor(private readonly read: ReadRows) {}

  requests(filter: RequestFilter, limit: number, before?: number): Promise<RequestListRow[]> {
    const where = whereOf(filter, before);
    return this.read(`SELECT ${rowColumns} FROM requests WHERE ${where.sql} ORDER BY id DESC LIMIT $${where.values.length + 1}`, [...where.values, limit]);
  }

  async hasMoreThan(filter: RequestFilter, count: number, before?: number): Promise<boolean> {
    const where = whereOf(filter, before);
    const rows = await this.read(`SELECT 1 FROM requests WHERE ${where.sql} ORDER BY id DESC LIMIT 1 OFFSET $${where.values.length + 1}`, [...where.values, count]);
    return rows.length > 0;
  }

  async nextId(): Promise<number> {
    const [row] = await this.read<{ id: number }>('SELECT (COALESCE(max(id), 0) + 1)::float8 AS id FROM requests', []);
    return row?.id ?? 1;
  }

  hourlyTotals(filter: RequestFilter, groupBy: SeriesGrouping): Promise<HourlyTotals[]> {
    const where = whereOf(filter);
    const group = seriesGroups[groupBy];
    return this.read(
      `SELECT ${hourOfRow} AS hour, ${group} AS "group", count(*)::float8 AS requests, (count(*) FILTER (WHERE status >= 400))::float8 AS errors,
         COALESCE(sum(cost_usd), 0)::float8 AS cost_usd, COALESCE(sum(saved_usd), 0)::float8 AS saved_usd, sum(prompt_tokens)::float8 AS prompt_tokens,
         sum(completion_tokens)::float8 AS completion_tokens, sum(cached_tokens)::float8 AS cached_tokens,
         (count(*) FILTER (WHERE cache = 'hit'))::float8 AS cache_hits
       FROM requests WHERE ${where.sql} GROUP BY 1, 2 ORDER BY 1, ${group} COLLATE "C" NULLS FIRST`,
      where.values,
    );
  }

  hourlyLatencyBins(filter: RequestFilter, groupBy: SeriesGrouping): Promise<HourlyLatencyBin[]> {
    const where = whereOf(filter, undefined, 2);
    return this.read(
      `SELECT ${hourOfRow} AS hour, ${seriesGroups[groupBy]} AS "group", trunc(ln(greatest(latency_ms, 1)) * $1)::integer AS bin, count(*)::float8 AS requests
       FROM requests WHERE ${where.sql} GROUP BY 1, 2, 3`,
      [latencyBinScale, ...where.values],
    );
  }

  spendByKey(since: number, limit: number): Promise<KeySpend[]> {
    return this.read(
      `SELECT key_id AS "keyId", max(key_name COLLATE "C") AS "keyName", COALESCE(sum(cost_usd), 0)::float8 AS spent
       FROM requests WHERE time >= $1 GROUP BY key_id ORDER BY spent DESC, key_id COLLATE "C" LIMIT $2`,
      [Math.ceil(since), limit],
    );
  }
}

/** The WHERE clause of a filter, its parameters numbered from `firstParameter`. Times are whole ms, as the rows hold them. */
function whereOf(filter: RequestFilter, before?: number, firstParameter = 1): { sql: string; values: unknown[] } {
  const values: unknown[] = [Math.ceil(filter.since)];
  const clauses = [`time >= $${firstParameter}`];
  const next = (sql: string, bound: unknown[]) => {
    let index = 0;
    clauses.push(sql.replace(placeholder, () => `$${firstParameter + values.length + index++}`));
    values.push(...bound);
  };
  if (before !== undefined) next('id < ?', [before]);
  for (const condition of requestFilterConditions) {
    const bound = condition.values(filter);
    if (bound !== undefined) next(condition.sql, bound);
  }
  return { sql: clauses.join(' AND '), values };
}
