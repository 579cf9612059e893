import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { LedgerQueries } from './ledger-queries.js';
import { normalizeLedgerRow, type LedgerRow } from './normalize-ledger-row.js';
import { WalCheckpointer } from './wal-checkpointer.js';

export type { LedgerRow };


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

/** SQLite's own `wal_autocheckpoint`, restored if the checkpoint thread fails. */
const sqliteDefaultCheckpointPages = 1000;

const schema = `
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  user TEXT,
  provider TEXT,
  model TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  cost_usd REAL,
  latency_ms REAL NOT NULL,
  status INTEGER NOT NULL,
  cache TEXT,
  api TEXT,
  key_name TEXT,
  saved_usd REAL,
  saved_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_tokens INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS requests_by_time ON requests (time);`;

/** The SQL that groups rows each way the API offers; fixed strings, never built from input. */
const groupExpressions: Record<UsageGrouping, string> = {
  hour: "strftime('%Y-%m-%dT%H:00:00Z', time / 1000, 'unixepoch')",
  model: 'model',
  provider: 'provider',
  // A virtual key's rows under its name, whatever ids it had; other keys under their hash.
  key: 'COALESCE(key_name, key_id)',
  user: 'user',
  cache: 'cache',
  api: 'api',
};

interface PendingRow {
  row: LedgerRow;
  done: (error?: Error) => void;
}

/**
 * The durable record of every request, in SQLite (WAL). Rows are written in one
 * transaction per event-loop tick, and checkpoints run on a thread of their
 * own; `record` resolves once its row is committed, so a caller that awaits it
 * before answering never answers for a row a crash could lose. A row the
 * database still refuses once normalised is skipped alone (its `record`
 * rejects with `LedgerRowSkippedError`); the rest of its tick is kept.
 */
export class UsageLedger {
  /** The admin API's reads for the dashboard: pages of requests, hourly series, spend per key. */
  readonly queries: LedgerQueries;
  private readonly insertRow: Statement;
  private readonly writeBatch: (rows: LedgerRow[]) => void;
  private pending: PendingRow[] = [];
  private flushScheduled = false;
  /** Started with the first write, so that a ledger opened only to report (`tokenpak usage`) starts no thread. */
  private checkpointer: WalCheckpointer | undefined;

  private constructor(
    private readonly db: SqliteDatabase,
    private readonly path: string,
    private readonly onCheckpointFailure: (error: Error) => void,
  ) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(schema);
    addMissingColumns(db);
    this.queries = new LedgerQueries(db);
    this.insertRow = db.prepare(`INSERT INTO requests
      (time, request_id, key_id, user, provider, model, prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_ms, status, cache, api, key_name, saved_usd, saved_tokens, cache_write_tokens)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.writeBatch = db.transaction((rows: LedgerRow[]) => {
      // Positional parameters: binding by name looks each one up, and measured ~30% dearer per row.
      for (const row of rows) {
        this.insertRow.run(row.time, row.requestId, row.keyId, row.user, row.provider, row.model, row.promptTokens, row.completionTokens, row.cachedTokens, row.costUsd, row.latencyMs, row.status, row.cache, row.api, row.keyName, row.savedUsd, row.savedTokens, row.cacheWriteTokens);
      }
    });
  }

  /** `onCheckpointFailure` hears when the checkpoint thread dies (checkpoints then run on commit, as SQLite does by default). */
  static open(path: string, onCheckpointFailure: (error: Error) => void = () => {}): UsageLedger {
    return new UsageLedger(new Database(path), path, onCheckpointFailure);
  }

  /** Opens a ledger the gateway has already written, to report on it; throws `LedgerNotFoundError` rather than create an empty one. */
  static openExisting(path: string): UsageLedger {
    let db: SqliteDatabase;
    try {
      db = new Database(path, { fileMustExist: true });
    } catch (error) {
      if (!existsSync(path)) throw new LedgerNotFoundError(path);
      throw error;
    }
    return new UsageLedger(db, path, () => {});
  }

  /** Queues a row; resolves when the transaction holding it has committed. */
  record(row: LedgerRow): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row: normalizeLedgerRow(row), done: (error) => (error ? reject(error) : resolve()) });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        if (!this.checkpointer && this.path !== ':memory:') this.startCheckpointer();
        setImmediate(() => this.flush());
      }
    });
  }

  /** Requests since `since` (Unix ms), grouped; only one key's when `keyId` is given (a virtual key reading its own usage). */
  usage(since: number, groupBy: UsageGrouping, keyId?: string): UsageGroup[] {
    const group = groupExpressions[groupBy];
    return this.db
      .prepare(
        `SELECT ${group} AS "group", count(*) AS requests, sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
           sum(cached_tokens) AS cached_tokens, sum(cache_write_tokens) AS cache_write_tokens, sum(cost_usd) AS cost_usd,
           sum(cost_usd IS NULL) AS unpriced_requests, sum(saved_usd) AS saved_usd, sum(saved_tokens) AS saved_tokens
         FROM requests WHERE time >= ?${keyId === undefined ? '' : ' AND key_id = ?'} GROUP BY 1 ORDER BY 1`,
      )
      .all(...(keyId === undefined ? [since] : [since, keyId])) as UsageGroup[];
  }

  /** Known spend since `since`, in total, per key and per user of each key: what budgets resume from after a restart. */
  spendSince(since: number): LedgerSpend {
    const rows = this.db
      .prepare('SELECT key_id AS keyId, user, sum(cost_usd) AS cost FROM requests WHERE time >= ? AND cost_usd IS NOT NULL GROUP BY key_id, user')
      .all(since) as Array<{ keyId: string; user: string | null; cost: number }>;
    const byKey = new Map<string, number>();
    const byKeyUser: LedgerSpend['byKeyUser'] = [];
    let total = 0;
    for (const { keyId, user, cost } of rows) {
      total += cost;
      byKey.set(keyId, (byKey.get(keyId) ?? 0) + cost);
      if (user !== null) byKeyUser.push({ keyId, user, spent: cost });
    }
    return { total, byKey, byKeyUser };
  }

  async close(): Promise<void> {
    if (this.pending.length > 0) this.flush();
    await this.checkpointer?.stop();
    this.db.close();
  }

  private startCheckpointer(): void {
    this.db.pragma('wal_autocheckpoint = 0');
    this.checkpointer = WalCheckpointer.start(this.path, (error) => {
      this.db.pragma(`wal_autocheckpoint = ${sqliteDefaultCheckpointPages}`);
      this.onCheckpointFailure(error);
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    try {
      this.writeBatch(batch.map((entry) => entry.row));
      for (const entry of batch) entry.done();
    } catch {
      // One row SQLite refuses rolls back the whole tick: written alone, the others are kept and only that row is lost.
      for (const entry of batch) this.writeAlone(entry);
    }
  }

  private writeAlone(entry: PendingRow): void {
    try {
      this.writeBatch([entry.row]);
      entry.done();
    } catch (error) {
      entry.done(new LedgerRowSkippedError(entry.row.requestId, error as Error));
    }
  }
}

/**
 * Columns older ledgers lack: `api` (before the doors existed; their rows were
 * all chat or embeddings, which the column leaves unknown), `key_name`
 * (before virtual keys; their rows had none), and the savings columns (before
 * the gateway saved anything: their rows' savings are unknown, their cache
 * writes uncounted).
 */
function addMissingColumns(db: SqliteDatabase): void {
  const columns = new Set((db.prepare('PRAGMA table_info(requests)').all() as Array<{ name: string }>).map((column) => column.name));
  if (!columns.has('api')) db.exec('ALTER TABLE requests ADD COLUMN api TEXT');
  if (!columns.has('key_name')) db.exec('ALTER TABLE requests ADD COLUMN key_name TEXT');
  if (!columns.has('saved_usd')) db.exec('ALTER TABLE requests ADD COLUMN saved_usd REAL');
  if (!columns.has('saved_tokens')) db.exec('ALTER TABLE requests ADD COLUMN saved_tokens INTEGER NOT NULL DEFAULT 0');
  if (!columns.has('cache_write_tokens')) db.exec('ALTER TABLE requests ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0');
}

/** A row the database refused; the message carries the request id and SQLite's reason, never the row's values. */
export class LedgerRowSkippedError extends Error {
  constructor(requestId: string, cause: Error) {
    super(`the usage ledger skipped the row of request ${requestId}: ${cause.message}`, { cause });
  }
}

export class LedgerNotFoundError extends Error {
  constructor(readonly path: string) {
    super(`No usage ledger at ${path}: the gateway creates it (usage.db_path) when it serves its first request.`);
  }
}
