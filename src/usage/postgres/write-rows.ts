import type pg from 'pg';
import { hourMs, type LedgerRow } from '../ledger.js';
import { withClient } from './with-client.js';

/** A row with the id the ledger gave it, which makes writing it again harmless. */
export type IdentifiedRow = LedgerRow & { rowId: string };

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
  const count = rows.length;
  const rowIds = new Array<string>(count);
  const times = new Array<number>(count);
  const requestIds = new Array<string>(count);
  const keyIds = new Array<string>(count);
  const users = new Array<string | null>(count);
  const providers = new Array<string | null>(count);
  const models = new Array<string>(count);
  const promptTokens = new Array<number>(count);
  const completionTokens = new Array<number>(count);
  const cachedTokens = new Array<number>(count);
  const costsUsd = new Array<number | null>(count);
  const latenciesMs = new Array<number>(count);
  const statuses = new Array<number>(count);
  const caches = new Array<string | null>(count);
  const apis = new Array<string | null>(count);
  const keyNames = new Array<string | null>(count);
  const savedUsd = new Array<number | null>(count);
  const savedTokens = new Array<number>(count);
  const cacheWriteTokens = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const row = rows[i] as IdentifiedRow;
    rowIds[i] = row.rowId;
    times[i] = row.time;
    requestIds[i] = row.requestId;
    keyIds[i] = row.keyId;
    users[i] = row.user;
    providers[i] = row.provider;
    models[i] = row.model;
    promptTokens[i] = row.promptTokens;
    completionTokens[i] = row.completionTokens;
    cachedTokens[i] = row.cachedTokens;
    costsUsd[i] = row.costUsd;
    latenciesMs[i] = row.latencyMs;
    statuses[i] = row.status;
    caches[i] = row.cache;
    apis[i] = row.api;
    keyNames[i] = row.keyName;
    savedUsd[i] = row.savedUsd;
    savedTokens[i] = row.savedTokens;
    cacheWriteTokens[i] = row.cacheWriteTokens;
  }
  return [rowIds, times, requestIds, keyIds, users, providers, models, promptTokens, completionTokens, cachedTokens, costsUsd, latenciesMs,
    statuses, caches, apis, keyNames, savedUsd, savedTokens, cacheWriteTokens];
}

/**
 * Writes the rows (and their rollups) in one statement. Named, so each
 * connection has PostgreSQL parse and plan it once, not once per batch.
 */
export async function writeRows(pool: pg.Pool, rows: readonly IdentifiedRow[]): Promise<void> {
  await withClient(pool, (client) => client.query({ name: 'tokenpak_insert_ledger_rows', text: insertRowsSql, values: columnsOf(rows) }));
}
