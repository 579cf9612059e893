import { randomUUID } from 'node:crypto';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { hourMs } from '../ledger.js';


/**
 * Version 1: the ledger as it was before versions were counted. Ledgers of
 * that time carry user_version 0 whatever columns they had, so it creates what
 * is missing rather than assume an empty file.
 */
function createRequests(db: SqliteDatabase): void {
  db.exec(`
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
CREATE INDEX IF NOT EXISTS requests_by_time ON requests (time);`);
  addMissingColumns(db);
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

/**
 * Version 2: the hourly rollups (filled from the rows already there, so
 * reports agree at once), and the ledger's own random id, which `tokenpak
 * usage migrate` registers to refuse a second import of the same file.
 */
function addRollupsAndLedgerId(db: SqliteDatabase): void {
  db.exec(`
CREATE TABLE usage_hourly (
  hour INTEGER NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  key_id TEXT NOT NULL,
  key_name TEXT NOT NULL,
  requests INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  cache_hits INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL DEFAULT 0,
  priced_requests INTEGER NOT NULL,
  saved_usd REAL NOT NULL DEFAULT 0,
  saved_requests INTEGER NOT NULL,
  saved_tokens INTEGER NOT NULL,
  PRIMARY KEY (hour, provider, model, key_id, key_name)
) WITHOUT ROWID;
INSERT INTO usage_hourly
  SELECT CAST(floor(time / ${hourMs}.0) AS INTEGER), COALESCE(provider, ''), model, key_id, COALESCE(key_name, ''), count(*), sum(status >= 400), sum(cache IS 'hit'),
    sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens), sum(cache_write_tokens), total(cost_usd), count(cost_usd),
    total(saved_usd), count(saved_usd), sum(saved_tokens)
  FROM requests GROUP BY 1, 2, 3, 4, 5;
CREATE TABLE ledger_meta (ledger_id TEXT NOT NULL);`);
  db.prepare('INSERT INTO ledger_meta (ledger_id) VALUES (?)').run(randomUUID());
}

/** Migration n + 1 takes a ledger from user_version n to n + 1. */
const migrations: ReadonlyArray<(db: SqliteDatabase) => void> = [createRequests, addRollupsAndLedgerId];

/**
 * Brings the ledger's schema to the newest version, one migration per
 * transaction. The transactions are IMMEDIATE and read the version inside, so
 * a gateway and a `tokenpak usage` opening an old file at once apply each
 * migration once.
 */
export function migrateSqliteLedger(db: SqliteDatabase): void {
  for (let version = 0; version < migrations.length; version++) {
    const migrate = migrations[version] as (db: SqliteDatabase) => void;
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) > version) return;
      migrate(db);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
