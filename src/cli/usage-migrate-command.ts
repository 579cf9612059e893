import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { loadConfigFromSource } from '../config/resolve-source.js';
import { builtinTypes } from '../providers/registry.js';
import { postgresLocation } from '../usage/postgres/postgres-location.js';

export const usageMigrateHelp = `Usage: tokenpak usage migrate --from sqlite --to postgres [options]

Copies a SQLite usage ledger (its raw rows and its hourly rollups, including the rollups of rows it has
already pruned) into the PostgreSQL ledger at usage.postgres_url, in one transaction: all of it or
nothing. The rollups are added to those already in PostgreSQL, so several replicas' ledgers can be
copied one after the other. A ledger already copied is reported and not copied again.
Stop the gateways writing to the SQLite file first: rows written after the copy stay behind.

Options:
  --from sqlite       The ledger to copy from
  --to postgres       The ledger to copy into (usage.postgres_url)
  --db-path <file>    The SQLite ledger to copy (default: usage.db_path, relative to the config file)
  --config <file>     proxy.yaml to use (default: $TOKENPAK_CONFIG, ./proxy.yaml, or built-in defaults)
  -h, --help          Show this help`;

export interface UsageMigrateOptions {
  configPath?: string;
  from?: string;
  to?: string;
  dbPath?: string;
}

/** `tokenpak usage migrate`: copies a SQLite ledger into the config's PostgreSQL one. */
export async function usageMigrateCommand(options: UsageMigrateOptions): Promise<number> {
  if (options.from !== 'sqlite' || options.to !== 'postgres') {
    console.error(`tokenpak usage migrate copies from sqlite to postgres only: give --from sqlite --to postgres (got --from ${options.from ?? '(none)'} --to ${options.to ?? '(none)'})`);
    return 1;
  }
  const loaded = await loadConfigFromSource({ configPath: options.configPath, builtinTypes });
  const { usage } = loaded.config;
  if (usage.postgres_url === undefined) {
    console.error('usage.postgres_url is not set: it names the PostgreSQL database to copy the ledger into (postgres://user:password@host:5432/database)');
    return 1;
  }
  if (options.dbPath === undefined && usage.db_path === ':memory:') {
    console.error('usage.db_path is ":memory:": there is no ledger file to copy; name one with --db-path');
    return 1;
  }
  const sourcePath = options.dbPath === undefined ? path.resolve(loaded.baseDir, usage.db_path) : path.resolve(options.dbPath);
  const source = openSource(sourcePath);
  if (typeof source === 'string') {
    console.error(source);
    return 1;
  }
  const target = postgresLocation(usage.postgres_url);
  // pg and the importer load only for this command, as they do only for the postgres backend.
  const [{ default: pg }, { importSqliteLedger }] = await Promise.all([import('pg'), import('../usage/import-sqlite-ledger.js')]);
  const pool = new pg.Pool({ connectionString: usage.postgres_url, max: 2, connectionTimeoutMillis: 5000 });
  // An idle connection that dies must not crash the command; the query that needed it reports the failure.
  pool.on('error', () => undefined);
  try {
    const result = await importSqliteLedger(source, pool);
    if (result.outcome === 'already-imported') {
      console.log(`${sourcePath} (ledger ${result.ledgerId}) was already copied into PostgreSQL at ${target} on ${result.importedAt.toISOString()} (${result.rows} rows); nothing changed.`);
    } else {
      console.log(`Copied ${result.rows} rows and ${result.rollups} hourly rollup rows from ${sourcePath} (ledger ${result.ledgerId}) into PostgreSQL at ${target}.`);
    }
    return 0;
  } catch (error) {
    console.error(`The ledger at ${sourcePath} was not copied into PostgreSQL at ${target}: ${(error as Error).message}. Running the command again is safe: a ledger already copied is reported, not copied twice.`);
    return 1;
  } finally {
    source.close();
    await pool.end();
  }
}

/** The SQLite ledger to copy, or why there is none; never creates a file. */
function openSource(sourcePath: string): SqliteDatabase | string {
  if (!existsSync(sourcePath)) return `No SQLite usage ledger at ${sourcePath}: name it with --db-path or usage.db_path.`;
  let db: SqliteDatabase | undefined;
  try {
    db = new Database(sourcePath, { fileMustExist: true });
    const hasRequests = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'requests'").get() !== undefined;
    if (hasRequests) return db;
    db.close();
    return `${sourcePath} holds no usage ledger (it has no requests table): name the ledger with --db-path.`;
  } catch (error) {
    db?.close();
    return `${sourcePath} cannot be read as a SQLite usage ledger: ${(error as Error).message}`;
  }
}
