import { randomUUID } from 'node:crypto';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type pg from 'pg';
import { normalizeLedgerRow, withoutNul, type LedgerRow } from './normalize-ledger-row.js';
import { migratePostgresLedger } from './postgres/migrations.js';
import { withClient } from './postgres/with-client.js';
import { migrateSqliteLedger } from './sqlite/sqlite-schema.js';

export type LedgerImport =
  | { outcome: 'copied'; ledgerId: string; rows: number; rollups: number }
  | { outcome: 'already-imported'; ledgerId: string; importedAt: Date; rows: number };

/** Rows per statement: big enough to amortise a round trip, small enough to keep each statement's arrays modest. */
const batchSize = 1000;

const sourceRows = `SELECT id, time, request_id, key_id, user, provider, model, prompt_tokens, completion_tokens, cached_tokens,
  cache_write_tokens, cost_usd, saved_usd, saved_tokens, latency_ms, status, cache, api, key_name
  FROM requests WHERE id > ? ORDER BY id LIMIT ?`;

const rollupKey = 'hour, provider, model, key_id, key_name';
const rollupCounters = ['requests', 'errors', 'cache_hits', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cache_write_tokens', 'cost_usd', 'priced_requests', 'saved_usd', 'saved_requests', 'saved_tokens'] as const;
const firstRollups = `SELECT ${rollupKey}, ${rollupCounters.join(', ')} FROM usage_hourly ORDER BY ${rollupKey} LIMIT ?`;
const nextRollups = `SELECT ${rollupKey}, ${rollupCounters.join(', ')} FROM usage_hourly WHERE (${rollupKey}) > (?, ?, ?, ?, ?) ORDER BY ${rollupKey} LIMIT ?`;

// Raw rows only: their rollups come from the source's usage_hourly, which still counts rows the source has pruned.
const insertRows = `INSERT INTO requests (row_id, time, request_id, key_id, "user", provider, model, prompt_tokens, completion_tokens, cached_tokens,
  cache_write_tokens, cost_usd, saved_usd, saved_tokens, latency_ms, status, cache, api, key_name)
  SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[],
    $11::bigint[], $12::float8[], $13::float8[], $14::bigint[], $15::float8[], $16::int[], $17::text[], $18::text[], $19::text[])`;

const rollupTypes = ['bigint', 'text', 'text', 'text', 'text', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'float8', 'bigint', 'float8', 'bigint', 'bigint'];
// Ordered by the key, as the gateways' own rollup upserts are, so a replica writing at the same time locks rows in the same order.
const upsertRollups = `INSERT INTO usage_hourly (${rollupKey}, ${rollupCounters.join(', ')})
  SELECT * FROM unnest(${rollupTypes.map((type, index) => `$${index + 1}::${type}[]`).join(', ')}) AS source (${rollupKey}, ${rollupCounters.join(', ')})
  ORDER BY ${rollupKey}
  ON CONFLICT (${rollupKey}) DO UPDATE SET ${rollupCounters.map((column) => `${column} = usage_hourly.${column} + excluded.${column}`).join(', ')}`;

interface SourceRow {
  id: number;
  time: number;
  request_id: string;
  key_id: string;
  user: string | null;
  provider: string | null;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  cost_usd: number | null;
  saved_usd: number | null;
  saved_tokens: number;
  latency_ms: number;
  status: number;
  cache: LedgerRow['cache'];
  api: string | null;
  key_name: string | null;
}

type RollupRow = { hour: number; provider: string; model: string; key_id: string; key_name: string } & Record<(typeof rollupCounters)[number], number>;

/**
 * Copies a SQLite ledger into the PostgreSQL one, in one PostgreSQL
 * transaction: either all of it lands or none. The source's ledger id is
 * registered first, so a second import of the same file (or two at once)
 * finds it and changes nothing. Raw rows are copied without touching the
 * rollups; then the source's rollups are added to PostgreSQL's, since they
 * also count rows the source has already pruned. The source is read in
 * pages inside one read transaction: a consistent snapshot, never the whole
 * file in memory.
 */
export async function importSqliteLedger(source: SqliteDatabase, target: pg.Pool): Promise<LedgerImport> {
  migrateSqliteLedger(source);
  await migratePostgresLedger(target);
  return withClient(target, async (client) => {
    try {
      source.exec('BEGIN');
      const ledgerId = (source.prepare('SELECT ledger_id FROM ledger_meta').pluck().get() as string | undefined) ?? missingLedgerId();
      await client.query('BEGIN');
      const registered = await client.query('INSERT INTO tokenpak_ledger_imports (source_ledger_id, imported_at, rows) VALUES ($1, now(), 0) ON CONFLICT DO NOTHING', [ledgerId]);
      if (registered.rowCount === 0) {
        await client.query('ROLLBACK');
        const earlier = await client.query<{ imported_at: Date; rows: string }>('SELECT imported_at, rows FROM tokenpak_ledger_imports WHERE source_ledger_id = $1', [ledgerId]);
        const { imported_at: importedAt, rows } = earlier.rows[0] as { imported_at: Date; rows: string };
        return { outcome: 'already-imported', ledgerId, importedAt, rows: Number(rows) };
      }
      const rows = await copyRows(source.prepare(sourceRows), client);
      const rollups = await copyRollups(source.prepare(firstRollups), source.prepare(nextRollups), client);
      await client.query('UPDATE tokenpak_ledger_imports SET rows = $2 WHERE source_ledger_id = $1', [ledgerId, rows]);
      await client.query('COMMIT');
      return { outcome: 'copied', ledgerId, rows, rollups };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      if (source.inTransaction) source.exec('ROLLBACK');
    }
  });
}

function missingLedgerId(): never {
  throw new Error('the SQLite ledger has no ledger_meta row: its schema migration did not complete');
}

async function copyRows(page: Statement, client: pg.PoolClient): Promise<number> {
  let copied = 0;
  let lastId = 0;
  for (;;) {
    const batch = page.all(lastId, batchSize) as SourceRow[];
    if (batch.length === 0) return copied;
    lastId = (batch[batch.length - 1] as SourceRow).id;
    await client.query(insertRows, rowColumns(batch));
    copied += batch.length;
  }
}

/**
 * The batch as one array per column, in the INSERT's order. Rows pass through
 * normalizeLedgerRow, as the gateway's own writes do: a ledger written before
 * it stripped NUL or bounded counts could hold values PostgreSQL refuses.
 * Each row gets its id here: the gateway's PostgreSQL writes are made idempotent by it; SQLite rows have none.
 */
function rowColumns(batch: readonly SourceRow[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 19 }, () => new Array<unknown>(batch.length));
  batch.forEach((source, index) => {
    const row = normalizeLedgerRow({
      time: source.time, requestId: source.request_id, keyId: source.key_id, user: source.user, provider: source.provider, model: source.model,
      promptTokens: source.prompt_tokens, completionTokens: source.completion_tokens, cachedTokens: source.cached_tokens, cacheWriteTokens: source.cache_write_tokens,
      costUsd: source.cost_usd, savedUsd: source.saved_usd, savedTokens: source.saved_tokens, latencyMs: source.latency_ms, status: source.status,
      cache: source.cache, api: source.api, keyName: source.key_name,
    });
    const values = [
      randomUUID(), row.time, row.requestId, row.keyId, row.user, row.provider, row.model, row.promptTokens, row.completionTokens, row.cachedTokens,
      row.cacheWriteTokens, row.costUsd, row.savedUsd, row.savedTokens, row.latencyMs, row.status, row.cache, row.api, row.keyName,
    ];
    values.forEach((value, column) => ((columns[column] as unknown[])[index] = value));
  });
  return columns;
}

async function copyRollups(first: Statement, next: Statement, client: pg.PoolClient): Promise<number> {
  let copied = 0;
  let batch = first.all(batchSize) as RollupRow[];
  while (batch.length > 0) {
    await client.query(upsertRollups, rollupColumns(batch));
    copied += batch.length;
    const last = batch[batch.length - 1] as RollupRow;
    batch = next.all(last.hour, last.provider, last.model, last.key_id, last.key_name, batchSize) as RollupRow[];
  }
  return copied;
}

/**
 * The batch as one array per column. Keys lose NUL as raw rows do (a rollup
 * backfilled from rows written before that), and fall back to "unknown" as
 * they do; two keys that become one are summed, since one statement may not
 * upsert the same row twice.
 */
function rollupColumns(batch: readonly RollupRow[]): unknown[][] {
  const merged = new Map<string, RollupRow>();
  for (const rollup of batch) {
    const key = { hour: rollup.hour, provider: withoutNul(rollup.provider), model: withoutNul(rollup.model) || 'unknown', key_id: withoutNul(rollup.key_id) || 'unknown', key_name: withoutNul(rollup.key_name) };
    const id = `${key.hour}\u0000${key.provider}\u0000${key.model}\u0000${key.key_id}\u0000${key.key_name}`;
    const earlier = merged.get(id);
    if (earlier === undefined) merged.set(id, { ...rollup, ...key });
    else for (const counter of rollupCounters) earlier[counter] += rollup[counter];
  }
  const groups = [...merged.values()];
  return [
    groups.map((group) => group.hour),
    groups.map((group) => group.provider),
    groups.map((group) => group.model),
    groups.map((group) => group.key_id),
    groups.map((group) => group.key_name),
    ...rollupCounters.map((counter) => groups.map((group) => (floatCounters.has(counter) ? group[counter] : boundedCount(group[counter])))),
  ];
}

const floatCounters = new Set<string>(['cost_usd', 'saved_usd']);

/** A sum as a bigint column takes it: rows written before counts were bounded can add up past what SQLite holds as an integer. */
function boundedCount(count: number): number {
  return Math.min(count, Number.MAX_SAFE_INTEGER);
}
