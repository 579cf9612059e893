import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { latencyBinScale } from '../latency-histogram.js';
import type { HourlyLatencyBin, HourlyTotals, KeySpend, LedgerReads, RequestFilter, RequestListRow, SeriesGrouping } from '../ledger-reads.js';
import { hourMs } from '../ledger.js';
import { requestFilterConditions } from '../request-filter-conditions.js';

const seriesGroups: Record<SeriesGrouping, string> = {
  none: 'NULL',
  provider: 'provider',
  model: 'model',
  key: 'COALESCE(key_name, key_id)',
};

const rowColumns = `id, time, request_id, api, COALESCE(key_name, key_id) AS key, user, provider, model, status, cache,
  prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, cost_usd, saved_usd, saved_tokens, latency_ms`;

/**
 * The dashboard's reads of the SQLite ledger. better-sqlite3 runs them on the
 * event loop (they are async only to share PostgreSQL's interface), so each is bounded: a time range on the time index, and a LIMIT or a
 * GROUP BY whose output is hours × groups. Statements are prepared once per
 * shape; the shapes are the combinations of the fixed conditions (request-filter-conditions.ts), so
 * the cache of them stays small.
 */
export class SqliteLedgerReads implements LedgerReads {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: SqliteDatabase) {}

  /**
   * The newest `limit` requests that match, below the id `before` when given,
   * newest first. SQLite walks the ids down for `ORDER BY id DESC LIMIT`; the
   * first id of the time range bounds that walk, so a filter that matches
   * nothing reads the range, not the whole ledger.
   */
  async requests(filter: RequestFilter, limit: number, before?: number): Promise<RequestListRow[]> {
    const floor = this.firstIdSince(filter.since);
    if (floor === undefined) return [];
    const where = whereOf(filter, before, floor);
    return this.statement(`SELECT ${rowColumns} FROM requests WHERE ${where.sql} ORDER BY id DESC LIMIT ?`).all(...where.values, limit) as RequestListRow[];
  }

  /** Whether more than `count` requests match below `before`: reads the ids of the first `count` + 1 only. */
  async hasMoreThan(filter: RequestFilter, count: number, before?: number): Promise<boolean> {
    const floor = this.firstIdSince(filter.since);
    if (floor === undefined) return false;
    const where = whereOf(filter, before, floor);
    return this.statement(`SELECT id FROM requests WHERE ${where.sql} ORDER BY id DESC LIMIT 1 OFFSET ?`).get(...where.values, count) !== undefined;
  }

  /** The first request at or after `since`, by the time index (rows are written in time order, so ids follow time). */
  private firstIdSince(since: number): number | undefined {
    return (this.statement('SELECT id FROM requests WHERE time >= ? ORDER BY time LIMIT 1').get(since) as { id: number } | undefined)?.id;
  }

  /** The id above every row written so far: a listing paged below it ignores rows written while it is read. */
  async nextId(): Promise<number> {
    return ((this.statement('SELECT max(id) AS id FROM requests').get() as { id: number | null }).id ?? 0) + 1;
  }

  /** Totals per UTC hour and group, oldest hour first. Costs and savings sum the rows that know them (0 when none does). */
  async hourlyTotals(filter: RequestFilter, groupBy: SeriesGrouping): Promise<HourlyTotals[]> {
    const where = whereOf(filter);
    return this.statement(
      `SELECT time / ${hourMs} AS hour, ${seriesGroups[groupBy]} AS "group", count(*) AS requests, sum(status >= 400) AS errors,
         total(cost_usd) AS cost_usd, total(saved_usd) AS saved_usd, sum(prompt_tokens) AS prompt_tokens,
         sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens, sum(cache = 'hit') AS cache_hits
       FROM requests WHERE ${where.sql} GROUP BY 1, 2 ORDER BY 1, 2`,
    ).all(...where.values) as HourlyTotals[];
  }

  /** Latency histograms per UTC hour and group: counts per logarithmic bin, so that no row's latency is read into JavaScript. */
  async hourlyLatencyBins(filter: RequestFilter, groupBy: SeriesGrouping): Promise<HourlyLatencyBin[]> {
    const where = whereOf(filter);
    return this.statement(
      `SELECT time / ${hourMs} AS hour, ${seriesGroups[groupBy]} AS "group", CAST(ln(max(latency_ms, 1)) * ? AS INTEGER) AS bin, count(*) AS requests
       FROM requests WHERE ${where.sql} GROUP BY 1, 2, 3`,
    ).all(latencyBinScale, ...where.values) as HourlyLatencyBin[];
  }

  /** Known spend since `since` per key, the largest first, at most `limit` keys. */
  async spendByKey(since: number, limit: number): Promise<KeySpend[]> {
    return this.statement(
      `SELECT key_id AS keyId, max(key_name) AS keyName, total(cost_usd) AS spent FROM requests WHERE time >= ? GROUP BY key_id ORDER BY spent DESC, key_id LIMIT ?`,
    ).all(since, limit) as KeySpend[];
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

function whereOf(filter: RequestFilter, before?: number, firstId?: number): { sql: string; values: unknown[] } {
  const clauses = ['time >= ?'];
  const values: unknown[] = [filter.since];
  if (before !== undefined) {
    clauses.push('id < ?');
    values.push(before);
  }
  if (firstId !== undefined) {
    clauses.push('id >= ?');
    values.push(firstId);
  }
  for (const condition of requestFilterConditions) {
    const bound = condition.values(filter);
    if (bound === undefined) continue;
    clauses.push(condition.sql);
    values.push(...bound);
  }
  return { sql: clauses.join(' AND '), values };
}
