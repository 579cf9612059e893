import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { LedgerRow } from './normalize-ledger-row.js';

/**
 * One row's values in the order of the committer's INSERT. Rows cross to the
 * writer thread in this shape: an array clones in about half the bytes and
 * ~40% less CPU than an object that repeats its 18 keys (measured).
 */
export type LedgerRowValues = [
  time: number,
  requestId: string,
  keyId: string,
  user: string | null,
  provider: string | null,
  model: string,
  promptTokens: number,
  completionTokens: number,
  cachedTokens: number,
  costUsd: number | null,
  latencyMs: number,
  status: number,
  cache: string | null,
  api: string | null,
  keyName: string | null,
  savedUsd: number | null,
  savedTokens: number,
  cacheWriteTokens: number,
];

/** A row SQLite refused: its index in the rows committed together, and SQLite's reason. */
export type RowRefusal = [index: number, reason: string];

export function ledgerRowValues(row: LedgerRow): LedgerRowValues {
  return [row.time, row.requestId, row.keyId, row.user, row.provider, row.model, row.promptTokens, row.completionTokens, row.cachedTokens, row.costUsd, row.latencyMs, row.status, row.cache, row.api, row.keyName, row.savedUsd, row.savedTokens, row.cacheWriteTokens];
}

/**
 * Commits rows in one transaction and returns the refused ones. A row SQLite
 * refuses rolls the whole transaction back, so then each row is written alone:
 * only the refused rows are lost. The writer thread runs this function from its
 * source text, so its body uses nothing from outside it.
 */
export function ledgerRowCommitter(db: SqliteDatabase): (rows: LedgerRowValues[]) => RowRefusal[] {
  const insert = db.prepare(`INSERT INTO requests
    (time, request_id, key_id, user, provider, model, prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_ms, status, cache, api, key_name, saved_usd, saved_tokens, cache_write_tokens)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const commit = db.transaction((rows: LedgerRowValues[]) => {
    // Positional parameters: binding by name, or one array, measured 30% dearer per row.
    for (const row of rows) insert.run(...row);
  });
  return (rows) => {
    try {
      commit(rows);
      return [];
    } catch {
      const refusals: RowRefusal[] = [];
      rows.forEach((row, index) => {
        try {
          commit([row]);
        } catch (error) {
          refusals.push([index, (error as Error).message]);
        }
      });
      return refusals;
    }
  };
}
