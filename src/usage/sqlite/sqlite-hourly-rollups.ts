import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { LedgerRow } from '../normalize-ledger-row.js';
import { hourMs } from '../ledger.js';

/** One usage_hourly row's worth of a batch: the sums its rows add to the stored rollup. */
interface HourlyRollup {
  hour: number;
  provider: string;
  model: string;
  keyId: string;
  keyName: string;
  requests: number;
  errors: number;
  cacheHits: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  pricedRequests: number;
  savedUsd: number;
  savedRequests: number;
  savedTokens: number;
}

const counters = ['requests', 'errors', 'cache_hits', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cache_write_tokens', 'cost_usd', 'priced_requests', 'saved_usd', 'saved_requests', 'saved_tokens'];

const upsertSql = `INSERT INTO usage_hourly (hour, provider, model, key_id, key_name, ${counters.join(', ')})
  VALUES (${Array.from({ length: 5 + counters.length }, () => '?').join(', ')})
  ON CONFLICT (hour, provider, model, key_id, key_name) DO UPDATE SET ${counters.map((column) => `${column} = ${column} + excluded.${column}`).join(', ')}`;

/**
 * Adds a batch of rows to the hourly rollups (hour × provider × model × key),
 * inside the transaction that inserts the rows. The batch is summed in
 * JavaScript first: a tick's rows mostly share a few groups, so it costs one
 * upsert per group rather than one per row.
 */
export class SqliteHourlyRollups {
  private readonly upsert: Statement;

  constructor(db: SqliteDatabase) {
    this.upsert = db.prepare(upsertSql);
  }

  add(rows: readonly LedgerRow[]): void {
    for (const group of rollUp(rows)) {
      this.upsert.run(
        group.hour, group.provider, group.model, group.keyId, group.keyName, group.requests, group.errors, group.cacheHits, group.promptTokens, group.completionTokens,
        group.cachedTokens, group.cacheWriteTokens, group.costUsd, group.pricedRequests, group.savedUsd, group.savedRequests, group.savedTokens,
      );
    }
  }
}

function rollUp(rows: readonly LedgerRow[]): Iterable<HourlyRollup> {
  const groups = new Map<string, HourlyRollup>();
  for (const row of rows) {
    const hour = Math.floor(row.time / hourMs);
    const provider = row.provider ?? '';
    const keyName = row.keyName ?? '';
    // NUL cannot occur inside the fields (normalizeLedgerRow strips it), so it separates them unambiguously.
    const id = `${hour}\u0000${provider}\u0000${row.model}\u0000${row.keyId}\u0000${keyName}`;
    let group = groups.get(id);
    if (group === undefined) {
      group = {
        hour, provider, model: row.model, keyId: row.keyId, keyName, requests: 0, errors: 0, cacheHits: 0, promptTokens: 0, completionTokens: 0,
        cachedTokens: 0, cacheWriteTokens: 0, costUsd: 0, pricedRequests: 0, savedUsd: 0, savedRequests: 0, savedTokens: 0,
      };
      groups.set(id, group);
    }
    group.requests++;
    if (row.status >= 400) group.errors++;
    if (row.cache === 'hit') group.cacheHits++;
    group.promptTokens += row.promptTokens;
    group.completionTokens += row.completionTokens;
    group.cachedTokens += row.cachedTokens;
    group.cacheWriteTokens += row.cacheWriteTokens;
    if (row.costUsd !== null) {
      group.costUsd += row.costUsd;
      group.pricedRequests++;
    }
    if (row.savedUsd !== null) {
      group.savedUsd += row.savedUsd;
      group.savedRequests++;
    }
    group.savedTokens += row.savedTokens;
  }
  return groups.values();
}
