import type { LedgerReads } from './ledger-reads.js';
import type { LedgerRow } from './normalize-ledger-row.js';

export type { LedgerRow };

/** The rollups' step: hours since 1970 are `floor(time / hourMs)`. */
export const hourMs = 3_600_000;

/** Spend the ledger holds for a period: in total, per key, and per user of each key. */
export interface LedgerSpend {
  total: number;
  byKey: Map<string, number>;
  byKeyUser: Array<{ keyId: string; user: string; spent: number }>;
}

export type UsageGrouping = 'hour' | 'model' | 'provider' | 'key' | 'user' | 'cache' | 'api';

export interface UsageGroup {
  group: string | null;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  /** Null only when no row of the group had a known cost. */
  cost_usd: number | null;
  /** Rows whose cost is unknown: the group's cost leaves them out. */
  unpriced_requests: number;
  /** What the gateway's rewrites saved; null only when no row of the group had a known saving. */
  saved_usd: number | null;
  saved_tokens: number;
}

/** What the metrics say of the ledger. */
export interface LedgerHealth {
  backend: 'sqlite' | 'postgres';
  /** Rows acknowledged to clients that wait in the local spool for PostgreSQL (always 0 on SQLite). */
  spooledRows: number;
}

/**
 * The durable record of every request (usage.backend: sqlite or postgres).
 * `record` resolves once its row is committed where a crash cannot lose it,
 * so a caller that awaits it before answering never answers for a lost row.
 * Reads see every committed row; the hourly rollups (provider × model × key)
 * serve the report's groupings they cover, so raw rows need only be kept for
 * `usage.retention_days`.
 */
export interface UsageLedger {
  /** Queues a row; resolves when it is committed. Rejects with `LedgerRowSkippedError` for a row the store refuses (the rest of its batch is kept). */
  record(row: LedgerRow): Promise<void>;
  /** Requests since `since` (Unix ms), grouped; only one key's when `keyId` is given (a virtual key reading its own usage). */
  usage(since: number, groupBy: UsageGrouping, keyId?: string): Promise<UsageGroup[]>;
  /** Known spend since `since`, in total, per key and per user of each key: what budgets resume from after a restart. */
  spendSince(since: number): Promise<LedgerSpend>;
  /** The admin API's reads for the dashboard. */
  readonly queries: LedgerReads;
  health(): LedgerHealth;
  /** Commits what is queued, stops background work (pruning, replay) and closes the store. */
  close(): Promise<void>;
}

/** A row the store refused; the message carries the request id and the store's reason, never the row's values. */
export class LedgerRowSkippedError extends Error {
  constructor(requestId: string, reason: string) {
    super(`the usage ledger skipped the row of request ${requestId}: ${reason}`);
  }
}

export class LedgerNotFoundError extends Error {
  constructor(readonly path: string) {
    super(`No usage ledger at ${path}: the gateway creates it (usage.db_path) when it serves its first request.`);
  }
}

/**
 * A row the PostgreSQL ledger's spool had no room for: PostgreSQL has been
 * away long enough to fill `usage.spool_max_rows`. The ledger says so in one
 * line a minute, so that whoever awaited the row need only count it.
 */
export class LedgerSpoolFullError extends Error {
  constructor(requestId: string, maxRows: number) {
    super(`the usage ledger's local spool is full (${maxRows} rows wait for PostgreSQL): the row of request ${requestId} was not recorded`);
  }
}

/** A read the ledger cannot answer now (PostgreSQL unreachable); the admin API answers 503. */
export class LedgerUnavailableError extends Error {}
