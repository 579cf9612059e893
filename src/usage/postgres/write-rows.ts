import type pg from 'pg';
import type { LedgerRow } from '../ledger.js';
import { withClient } from './with-client.js';

/** A row with the id the ledger gave it, which makes writing it again harmless. */
export type IdentifiedRow = LedgerRow & { rowId: string };

export const hourMs = 3_600_000;

const rollupTotals = ['requests', 'errors', 'cache_hits', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cache_write_tokens', 'cost_usd', 'priced_requests', 'saved_usd', 'saved_requests', 'saved_tokens'];

/**
 * Rows and their hourly rollups in one statement, so both commit or neither.
 * A row already there (a batch replayed after its commit went unanswered) is
 * not inserted again, and only rows actually inserted reach the rollups. The
 * rollups are upserted in primary-key order, so replicas writing the same
 * hours at once lock them in one order and cannot deadlock.
 */
const insertRowsSql = `
WITH inserted AS (
  INSERT INTO requests (row_id, time, request_id, key_id, "user", provider, model, prompt_tokens, completion_tokens, cached_tokens,
    cost_usd, latency_ms, status, cache, api, key_name, saved_usd, saved_tokens, cache_write_tokens)
  SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[],
    $10::bigint[], $11::float8[], $12::float8[], $13::integer[], $14::text[], $15::text[], $16::text[], $17::float8[], $18::bigint[], $19::bigint[])
  ON CONFLICT (row_id) DO NOTHING
  RETURNING time, provider, model, key_id, key_name, status, cache, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens,
    cost_usd, saved_usd, saved_tokens
)
INSERT INTO usage_hourly (hour, provider, model, key_id, key_name, ${rollupTotals.join(', ')})
SELECT time / ${hourMs}, COALESCE(provider, ''), model, key_id, COALESCE(key_name, ''), count(*), count(*) FILTER (WHERE status >= 400),
  count(*) FILTER (WHERE cache = 'hit'), sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens), sum(cache_write_tokens),
  COALESCE(sum(cost_usd), 0), count(cost_usd), COALESCE(sum(saved_usd), 0), count(saved_usd), sum(saved_tokens)
FROM inserted
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3, 4, 5
ON CONFLICT (hour, provider, model, key_id, key_name) DO UPDATE SET
  ${rollupTotals.map((column) => `${column} = usage_hourly.${column} + excluded.${column}`).join(', ')}`;

/** The rows as one array per column: 19 parameters whatever the batch size. */
function columnsOf(rows: readonly IdentifiedRow[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 19 }, () => new Array<unknown>(rows.length));
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as IdentifiedRow;
    const values = [row.rowId, row.time, row.requestId, row.keyId, row.user, row.provider, row.model, row.promptTokens, row.completionTokens,
      row.cachedTokens, row.costUsd, row.latencyMs, row.status, row.cache, row.api, row.keyName, row.savedUsd, row.savedTokens, row.cacheWriteTokens];
    for (let column = 0; column < 19; column++) (columns[column] as unknown[])[i] = values[column];
  }
  return columns;
}

/** Writes the rows (and their rollups) in one statement. */
export async function writeRows(pool: pg.Pool, rows: readonly IdentifiedRow[]): Promise<void> {
  await withClient(pool, (client) => client.query(insertRowsSql, columnsOf(rows)));
}
