import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { LedgerQueries } from './ledger-queries.js';
import { ledgerRowValues, type LedgerRowValues, type RowRefusal } from './ledger-row-committer.js';
import { ThreadLedgerWriter } from './ledger-thread-writer.js';
import { inThreadLedgerWriter, type LedgerWriter } from './ledger-writer.js';
import { normalizeLedgerRow, type LedgerRow } from './normalize-ledger-row.js';

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

/**
 * The durable record of every request, in SQLite (WAL). The rows recorded in
 * one event-loop tick go to the writer as one batch; a file's writer is a
 * thread of its own that commits every batch waiting in one transaction and
 * checkpoints the WAL (a `:memory:` ledger, which no other thread can open,
 * commits on the event loop). `record` resolves once its row is committed, so
 * a caller that awaits it before answering never answers for a row a crash
 * could lose, and reads on this thread see it. A row the database still
 * refuses once normalised is skipped alone (its `record` rejects with
 * `LedgerRowSkippedError`); the rest of its batch is kept.
 */
export class UsageLedger {
  /** The admin API's reads for the dashboard: pages of requests, hourly series, spend per key. */
  readonly queries: LedgerQueries;
  private pendingRows: LedgerRowValues[] = [];
  private pendingSettlers: Array<(error?: Error) => void> = [];
  private flushScheduled = false;
  /** Started with the first write, so that a ledger opened only to report (`tokenpak usage`) starts no thread. */
  private writer: LedgerWriter | undefined;

  private constructor(
    private readonly db: SqliteDatabase,
    private readonly startWriter: () => LedgerWriter,
  ) {
    this.queries = new LedgerQueries(db);
  }

  /** `onWriterThreadFailure` hears when a file's writer thread dies (rows are then committed, and checkpoints run, on the event loop). */
  static open(path: string, onWriterThreadFailure: (error: Error) => void = () => {}): UsageLedger {
    const db = withSchema(new Database(path));
    const writeInThread = () => inThreadLedgerWriter(db);
    return new UsageLedger(db, path === ':memory:' ? writeInThread : () => new ThreadLedgerWriter(path, writeInThread, onWriterThreadFailure));
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
    return new UsageLedger(withSchema(db), () => inThreadLedgerWriter(db));
  }

  /** Queues a row; resolves when the transaction holding it has committed. */
  record(row: LedgerRow): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pendingRows.push(ledgerRowValues(normalizeLedgerRow(row)));
      this.pendingSettlers.push((error) => (error ? reject(error) : resolve()));
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        this.writer ??= this.startWriter();
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

  /** Commits every row recorded before, then stops the writer and closes the file. */
  async close(): Promise<void> {
    this.flush();
    await this.writer?.close();
    this.db.close();
  }

  private flush(): void {
    this.flushScheduled = false;
    // close() flushes before the tick's own flush runs, which then finds nothing.
    if (this.pendingRows.length === 0) return;
    const rows = this.pendingRows;
    const settlers = this.pendingSettlers;
    this.pendingRows = [];
    this.pendingSettlers = [];
    void this.writer!.write(rows).then((refusals) => settle(rows, settlers, refusals));
  }
}

function settle(rows: LedgerRowValues[], settlers: Array<(error?: Error) => void>, refusals: RowRefusal[]): void {
  const refused = refusals.length === 0 ? undefined : new Map(refusals);
  settlers.forEach((done, index) => {
    const reason = refused?.get(index);
    if (reason === undefined) return done();
    const [, requestId] = rows[index]!;
    done(new LedgerRowSkippedError(requestId, reason));
  });
}

/** Sets a connection up for the ledger, creating its table or adding what an older one lacks. */
function withSchema(db: SqliteDatabase): SqliteDatabase {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(schema);
  addMissingColumns(db);
  return db;
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
  constructor(requestId: string, reason: string) {
    super(`the usage ledger skipped the row of request ${requestId}: ${reason}`);
  }
}

export class LedgerNotFoundError extends Error {
  constructor(readonly path: string) {
    super(`No usage ledger at ${path}: the gateway creates it (usage.db_path) when it serves its first request.`);
  }
}
