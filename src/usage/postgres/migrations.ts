import type pg from 'pg';
import { withClient } from './with-client.js';

/** pg_advisory_xact_lock key of the ledger's migrations ("tokp" in ASCII); the pruner's lock is the next one. */
export const migrationLockKey = 0x746f6b70;

/** The schema, one version per entry, applied in order and never edited once released: a change is a new version. */
const migrations: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE requests (
  id bigserial PRIMARY KEY,
  row_id uuid NOT NULL UNIQUE,
  time bigint NOT NULL,
  request_id text NOT NULL,
  key_id text NOT NULL,
  "user" text,
  provider text,
  model text NOT NULL,
  prompt_tokens bigint NOT NULL,
  completion_tokens bigint NOT NULL,
  cached_tokens bigint NOT NULL,
  cost_usd double precision,
  latency_ms double precision NOT NULL,
  status integer NOT NULL,
  cache text,
  api text,
  key_name text,
  saved_usd double precision,
  saved_tokens bigint NOT NULL DEFAULT 0,
  cache_write_tokens bigint NOT NULL DEFAULT 0
);
CREATE INDEX requests_by_time ON requests (time);
CREATE TABLE usage_hourly (
  hour bigint NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  key_id text NOT NULL,
  key_name text NOT NULL,
  requests bigint NOT NULL,
  errors bigint NOT NULL,
  cache_hits bigint NOT NULL,
  prompt_tokens bigint NOT NULL,
  completion_tokens bigint NOT NULL,
  cached_tokens bigint NOT NULL,
  cache_write_tokens bigint NOT NULL,
  cost_usd double precision NOT NULL DEFAULT 0,
  priced_requests bigint NOT NULL,
  saved_usd double precision NOT NULL DEFAULT 0,
  saved_requests bigint NOT NULL,
  saved_tokens bigint NOT NULL,
  PRIMARY KEY (hour, provider, model, key_id, key_name)
);
CREATE TABLE tokenpak_ledger_imports (
  source_ledger_id text PRIMARY KEY,
  imported_at timestamptz NOT NULL DEFAULT now(),
  rows bigint NOT NULL
);`,
  },
];

/**
 * Brings the ledger's schema to the newest version, in one transaction under
 * an advisory lock: replicas starting at once wait for each other, and the
 * later ones find every version applied. Safe to run again.
 */
export function migratePostgresLedger(pool: pg.Pool): Promise<void> {
  return withClient(pool, async (client) => {
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
      await client.query('CREATE TABLE IF NOT EXISTS tokenpak_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const applied = await client.query<{ version: number }>('SELECT version FROM tokenpak_schema_migrations');
      const done = new Set(applied.rows.map((row) => row.version));
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        await client.query(migration.sql);
        await client.query('INSERT INTO tokenpak_schema_migrations (version) VALUES ($1)', [migration.version]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}
