import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startPostgres, type TestPostgres } from '../../bench/lib/postgres-server.mjs';
import type { LedgerRow, UsageGroup, UsageGrouping, UsageLedger } from '../../src/usage/ledger.js';
import { PostgresLedger } from '../../src/usage/postgres/postgres-ledger.js';
import { migratePostgresLedger } from '../../src/usage/postgres/migrations.js';
import { SqliteLedger } from '../../src/usage/sqlite/sqlite-ledger.js';
import { runCli } from '../support/run-cli.js';

/** Not on an hour boundary, so reports since it read raw rows for the first part hour and rollups after. */
const start = Date.UTC(2025, 0, 6, 10, 17, 23);
const hourMs = 3_600_000;
const groupings: UsageGrouping[] = ['hour', 'model', 'provider', 'key', 'user', 'cache', 'api'];
const models: Array<[string | null, string]> = [['openai', 'gpt-4o-mini'], ['anthropic', 'claude-3-5-haiku'], ['groq', 'llama-3.1-8b'], [null, 'mystery-model']];
const caches: Array<LedgerRow['cache']> = ['hit', 'miss', 'bypass', null];

/** Rows over several hours, models, providers, keys, users, caches and doors; some unpriced, some errors, some with savings. */
function sampleRows(count: number, first: number, prefix: string, spacingMs = 7_000): LedgerRow[] {
  return Array.from({ length: count }, (_, i) => {
    const [provider, model] = models[i % models.length] as [string | null, string];
    return {
      time: first + i * spacingMs,
      requestId: `${prefix}-${i}`,
      keyId: `key-${i % 3}`,
      keyName: i % 3 === 0 ? 'team-a' : null,
      user: i % 5 === 0 ? null : `user-${i % 4}`,
      provider,
      model,
      promptTokens: 100 + (i % 50),
      completionTokens: 20 + (i % 30),
      cachedTokens: i % 3 === 0 ? 50 : 0,
      cacheWriteTokens: i % 7 === 0 ? 30 : 0,
      costUsd: i % 6 === 0 ? null : (i % 13) * 0.00037 + 0.0001,
      savedUsd: i % 4 === 0 ? null : ((i % 5) - 1) * 0.0002,
      savedTokens: i % 3 === 0 ? 40 : 0,
      latencyMs: 12.5 + (i % 100),
      status: i % 11 === 0 ? 429 : 200,
      cache: caches[i % 7 % caches.length] ?? null,
      api: i % 3 === 0 ? 'messages' : i % 3 === 1 ? 'chat' : null,
    };
  });
}

async function writeLedger(file: string, rows: LedgerRow[]): Promise<void> {
  const ledger = SqliteLedger.open(file);
  await Promise.all(rows.map((row) => ledger.record(row)));
  await ledger.close();
}

/** A ledger as the gateway wrote it before rows had ids and rollups existed (user_version 0). */
function writeLegacyLedger(file: string, rows: LedgerRow[]): void {
  const db = new Database(file);
  db.exec(`
CREATE TABLE requests (
  id INTEGER PRIMARY KEY, time INTEGER NOT NULL, request_id TEXT NOT NULL, key_id TEXT NOT NULL, user TEXT, provider TEXT, model TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL, cost_usd REAL, latency_ms REAL NOT NULL,
  status INTEGER NOT NULL, cache TEXT, api TEXT, key_name TEXT, saved_usd REAL, saved_tokens INTEGER NOT NULL DEFAULT 0, cache_write_tokens INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX requests_by_time ON requests (time);`);
  const insert = db.prepare(`INSERT INTO requests (time, request_id, key_id, user, provider, model, prompt_tokens, completion_tokens, cached_tokens, cost_usd,
    latency_ms, status, cache, api, key_name, saved_usd, saved_tokens, cache_write_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (const row of rows) {
      insert.run(row.time, row.requestId, row.keyId, row.user, row.provider, row.model, row.promptTokens, row.completionTokens, row.cachedTokens, row.costUsd,
        row.latencyMs, row.status, row.cache, row.api, row.keyName, row.savedUsd, row.savedTokens, row.cacheWriteTokens);
    }
  })();
  db.close();
}

const rowColumns = `time, request_id, key_id, "user", provider, model, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens,
  cost_usd, saved_usd, saved_tokens, latency_ms, status, cache, api, key_name`;
const rollupColumns = `hour, provider, model, key_id, key_name, requests, errors, cache_hits, prompt_tokens, completion_tokens, cached_tokens,
  cache_write_tokens, cost_usd, priced_requests, saved_usd, saved_requests, saved_tokens`;

/** PostgreSQL's bigints arrive as strings; as numbers they compare with SQLite's. */
function numbersOf(rows: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([column, value]) => [column, typeof value === 'string' && /^-?\d+$/.test(value) && column !== 'request_id' ? Number(value) : value])));
}

function sqliteTable(file: string, sql: string): Array<Record<string, unknown>> {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

/** Sums, per group, with floats to 9 places: SQLite and PostgreSQL add in different orders. */
function comparable(groups: UsageGroup[]): Array<Record<string, unknown>> {
  return [...groups]
    .sort((a, b) => String(a.group).localeCompare(String(b.group)))
    .map((group) => ({ ...group, cost_usd: group.cost_usd === null ? null : group.cost_usd.toFixed(9), saved_usd: group.saved_usd === null ? null : group.saved_usd.toFixed(9) }));
}

describe('tokenpak usage migrate --from sqlite --to postgres', () => {
  let postgres: TestPostgres;
  let dir: string;

  beforeAll(async () => {
    postgres = await startPostgres();
    dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-usage-migrate-'));
  }, 60_000);

  afterAll(async () => {
    await postgres?.destroy();
  });

  /** A config file whose usage.db_path is `ledgerFile` and whose postgres_url is `databaseUrl`. */
  async function configFor(name: string, ledgerFile: string, databaseUrl?: string): Promise<string> {
    const file = path.join(dir, `${name}.yaml`);
    const usage = { db_path: path.basename(ledgerFile), ...(databaseUrl === undefined ? {} : { postgres_url: databaseUrl }) };
    await writeFile(file, stringify({ usage, providers: { openai: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' } }, routing: { primary: 'openai' } }));
    return file;
  }

  async function query(databaseUrl: string, sql: string): Promise<Array<Record<string, unknown>>> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return numbersOf((await client.query(sql)).rows);
    } finally {
      await client.end();
    }
  }

  async function migrate(config: string, extra: string[] = []) {
    return runCli(['usage', 'migrate', '--from', 'sqlite', '--to', 'postgres', '--config', config, ...extra]);
  }

  it('copies every raw row with its values, in batches, and says how many', async () => {
    const ledgerFile = path.join(dir, 'rows.db');
    await writeLedger(ledgerFile, sampleRows(2500, start, 'rows'));
    const databaseUrl = await postgres.createDatabase('rows');
    const { code, stdout } = await migrate(await configFor('rows', ledgerFile, databaseUrl));
    expect(code).toBe(0);
    expect(stdout).toContain(`Copied 2500 rows and `);
    const inSqlite = sqliteTable(ledgerFile, `SELECT ${rowColumns.replace('"user"', 'user')} FROM requests ORDER BY request_id`);
    expect(await query(databaseUrl, `SELECT ${rowColumns} FROM requests ORDER BY request_id COLLATE "C"`)).toEqual(inSqlite);
    expect(await query(databaseUrl, 'SELECT count(DISTINCT row_id) AS ids FROM requests')).toEqual([{ ids: 2500 }]);
  });

  it('carries the SQLite rollups over as they are', async () => {
    const ledgerFile = path.join(dir, 'rollups.db');
    await writeLedger(ledgerFile, sampleRows(1500, start, 'rollups'));
    const databaseUrl = await postgres.createDatabase('rollups');
    const { stdout } = await migrate(await configFor('rollups', ledgerFile, databaseUrl));
    const inSqlite = sqliteTable(ledgerFile, `SELECT ${rollupColumns} FROM usage_hourly ORDER BY hour, provider, model, key_id, key_name`);
    expect(stdout).toContain(`Copied 1500 rows and ${inSqlite.length} hourly rollup rows`);
    expect(await query(databaseUrl, `SELECT ${rollupColumns} FROM usage_hourly ORDER BY hour, provider COLLATE "C", model COLLATE "C", key_id COLLATE "C", key_name COLLATE "C"`)).toEqual(inSqlite);
  });

  it('backfills the rollups of a ledger written before they existed, and gives its rows ids', async () => {
    const ledgerFile = path.join(dir, 'legacy.db');
    const rows = sampleRows(1200, start, 'legacy');
    writeLegacyLedger(ledgerFile, rows);
    const databaseUrl = await postgres.createDatabase('legacy');
    const { code } = await migrate(await configFor('legacy', ledgerFile, databaseUrl));
    expect(code).toBe(0);
    const fromRows = await query(databaseUrl, `SELECT time / ${hourMs} AS hour, COALESCE(provider, '') AS provider, model, key_id, COALESCE(key_name, '') AS key_name,
      count(*) AS requests, count(*) FILTER (WHERE status >= 400) AS errors, count(*) FILTER (WHERE cache = 'hit') AS cache_hits,
      sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens, sum(cache_write_tokens) AS cache_write_tokens,
      round(COALESCE(sum(cost_usd), 0)::numeric, 9)::text AS cost_usd, count(cost_usd) AS priced_requests,
      round(COALESCE(sum(saved_usd), 0)::numeric, 9)::text AS saved_usd, count(saved_usd) AS saved_requests, sum(saved_tokens) AS saved_tokens,
      count(DISTINCT row_id) AS distinct_row_ids
      FROM requests GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`);
    const rollups = await query(databaseUrl, `SELECT hour, provider, model, key_id, key_name, requests, errors, cache_hits, prompt_tokens, completion_tokens, cached_tokens,
      cache_write_tokens, round(cost_usd::numeric, 9)::text AS cost_usd, priced_requests, round(saved_usd::numeric, 9)::text AS saved_usd, saved_requests, saved_tokens,
      requests AS distinct_row_ids
      FROM usage_hourly ORDER BY 1, 2, 3, 4, 5`);
    expect({ rows: fromRows.reduce((total, group) => total + (group.requests as number), 0), rollups }).toEqual({ rows: rows.length, rollups: fromRows });
  });

  it('reports the same usage from PostgreSQL as from SQLite, for every grouping', async () => {
    const ledgerFile = path.join(dir, 'report.db');
    await writeLedger(ledgerFile, sampleRows(2200, start, 'report'));
    const databaseUrl = await postgres.createDatabase('report');
    expect((await migrate(await configFor('report', ledgerFile, databaseUrl))).code).toBe(0);
    const sqlite = SqliteLedger.openExisting(ledgerFile);
    const postgresLedger = await openPostgresLedger(databaseUrl);
    try {
      for (const groupBy of groupings) {
        for (const since of [start - 1, start + 2 * hourMs + 61_000]) {
          expect({ groupBy, since, groups: comparable(await postgresLedger.usage(since, groupBy)) }).toEqual({ groupBy, since, groups: comparable(await sqlite.usage(since, groupBy)) });
        }
      }
    } finally {
      await sqlite.close();
      await postgresLedger.close();
    }
  });

  it('carries over the rollups of rows SQLite has already pruned', async () => {
    const ledgerFile = path.join(dir, 'pruned.db');
    await writeLedger(ledgerFile, sampleRows(900, start, 'pruned', 20_000));
    const pruner = SqliteLedger.openExisting(ledgerFile);
    const pruned = await pruner.pruneBefore(start + 3 * hourMs);
    const sqliteByModel = comparable(await pruner.usage(0, 'model'));
    await pruner.close();
    const databaseUrl = await postgres.createDatabase('pruned');
    const { stdout } = await migrate(await configFor('pruned', ledgerFile, databaseUrl));
    expect(stdout).toContain(`Copied ${900 - pruned} rows and `);
    const postgresLedger = await openPostgresLedger(databaseUrl);
    try {
      const postgresByModel = comparable(await postgresLedger.usage(0, 'model'));
      expect({ pruned: pruned > 0, requests: postgresByModel.reduce((total, group) => total + (group.requests as number), 0), groups: postgresByModel }).toEqual({
        pruned: true,
        requests: 900,
        groups: sqliteByModel,
      });
    } finally {
      await postgresLedger.close();
    }
  });

  it('changes nothing on a second run and says when the ledger was copied', async () => {
    const ledgerFile = path.join(dir, 'twice.db');
    await writeLedger(ledgerFile, sampleRows(300, start, 'twice'));
    const databaseUrl = await postgres.createDatabase('twice');
    const config = await configFor('twice', ledgerFile, databaseUrl);
    expect((await migrate(config)).code).toBe(0);
    const snapshot = () => query(databaseUrl, `SELECT (SELECT count(*) FROM requests) AS rows, (SELECT sum(requests) FROM usage_hourly) AS rollup_requests,
      (SELECT count(*) FROM tokenpak_ledger_imports) AS imports`);
    const before = await snapshot();
    const second = await migrate(config);
    expect({ code: second.code, said: /was already copied into PostgreSQL at .* on \d{4}-\d\d-\d\dT.*\(300 rows\); nothing changed/.test(second.stdout), after: await snapshot() }).toEqual({
      code: 0,
      said: true,
      after: before,
    });
  });

  it('adds each ledger’s rollups to those already in PostgreSQL, so replicas’ ledgers can be copied one after the other', async () => {
    const first = path.join(dir, 'replica-1.db');
    const second = path.join(dir, 'replica-2.db');
    await writeLedger(first, sampleRows(400, start, 'replica-1'));
    await writeLedger(second, sampleRows(400, start, 'replica-2'));
    const databaseUrl = await postgres.createDatabase('replicas');
    const config = await configFor('replicas', first, databaseUrl);
    expect((await migrate(config)).code).toBe(0);
    expect((await migrate(config, ['--db-path', second])).code).toBe(0);
    const single = sqliteTable(first, 'SELECT hour, model, key_id, requests, prompt_tokens FROM usage_hourly ORDER BY hour, provider, model, key_id, key_name');
    const doubled = single.map((rollup) => ({ ...rollup, requests: (rollup.requests as number) * 2, prompt_tokens: (rollup.prompt_tokens as number) * 2 }));
    expect(await query(databaseUrl, 'SELECT hour, model, key_id, requests, prompt_tokens FROM usage_hourly ORDER BY hour, provider COLLATE "C", model COLLATE "C", key_id COLLATE "C", key_name COLLATE "C"')).toEqual(doubled);
  });

  it('copies nothing at all when a row fails midway: one transaction', async () => {
    const ledgerFile = path.join(dir, 'poisoned.db');
    const rows = sampleRows(1500, start, 'poisoned');
    (rows[1300] as LedgerRow).model = 'refused-model';
    await writeLedger(ledgerFile, rows);
    const databaseUrl = await postgres.createDatabase('poisoned');
    const pool = new pg.Pool({ connectionString: databaseUrl });
    await migratePostgresLedger(pool);
    await pool.query("ALTER TABLE requests ADD CONSTRAINT no_refused_model CHECK (model <> 'refused-model')");
    await pool.end();
    const { code, stderr } = await migrate(await configFor('poisoned', ledgerFile, databaseUrl));
    expect({ code, said: stderr.includes('was not copied into PostgreSQL'), left: await query(databaseUrl, `SELECT (SELECT count(*) FROM requests) AS rows,
      (SELECT count(*) FROM usage_hourly) AS rollups, (SELECT count(*) FROM tokenpak_ledger_imports) AS imports`) }).toEqual({
      code: 1,
      said: true,
      left: [{ rows: 0, rollups: 0, imports: 0 }],
    });
  });

  it('strips NUL from the text of rows written before the gateway did, as PostgreSQL requires', async () => {
    const ledgerFile = path.join(dir, 'nul.db');
    const rows = sampleRows(3, start, 'nul');
    (rows[1] as LedgerRow).model = 'gpt\u0000-4o';
    (rows[1] as LedgerRow).user = 'al\u0000ice';
    writeLegacyLedger(ledgerFile, rows);
    const databaseUrl = await postgres.createDatabase('nul');
    expect((await migrate(await configFor('nul', ledgerFile, databaseUrl))).code).toBe(0);
    expect(await query(databaseUrl, `SELECT r.model, r."user", h.requests FROM requests r JOIN usage_hourly h ON h.model = r.model WHERE r.request_id = 'nul-1'`)).toEqual([
      { model: 'gpt-4o', user: 'alice', requests: 1 },
    ]);
  });

  it('names the database as host:port/database, never with the password of its URL', async () => {
    const ledgerFile = path.join(dir, 'secret.db');
    await writeLedger(ledgerFile, sampleRows(10, start, 'secret'));
    const databaseUrl = await postgres.createDatabase('secret');
    const withPassword = databaseUrl.replace('tokenpak@', 'tokenpak:hunter2-password@');
    const { code, stdout, stderr } = await migrate(await configFor('secret', ledgerFile, withPassword));
    const location = `${new URL(databaseUrl).host}${new URL(databaseUrl).pathname}`;
    expect({ code, named: stdout.includes(`into PostgreSQL at ${location}.`), leaked: (stdout + stderr).includes('hunter2') }).toEqual({ code: 0, named: true, leaked: false });
  });

  it('exits 1 naming the database and without its password when PostgreSQL cannot be reached', async () => {
    const ledgerFile = path.join(dir, 'unreachable.db');
    await writeLedger(ledgerFile, sampleRows(10, start, 'unreachable'));
    const { code, stdout, stderr } = await migrate(await configFor('unreachable', ledgerFile, 'postgres://tokenpak:hunter2-password@127.0.0.1:9/ledger'));
    expect({ code, stdout, named: stderr.includes('was not copied into PostgreSQL at 127.0.0.1:9/ledger'), leaked: stderr.includes('hunter2') }).toEqual({
      code: 1,
      stdout: '',
      named: true,
      leaked: false,
    });
  });

  it('exits 1 naming usage.postgres_url when the config has none', async () => {
    const ledgerFile = path.join(dir, 'no-url.db');
    await writeLedger(ledgerFile, sampleRows(3, start, 'no-url'));
    const { code, stderr } = await migrate(await configFor('no-url', ledgerFile));
    expect({ code, named: stderr.includes('usage.postgres_url is not set') }).toEqual({ code: 1, named: true });
  });

  it('exits 1 naming a missing SQLite ledger, and creates none', async () => {
    const ledgerFile = path.join(dir, 'absent.db');
    const { code, stderr } = await migrate(await configFor('absent', ledgerFile, 'postgres://tokenpak@127.0.0.1:9/ledger'));
    expect({ code, stderr: stderr.trim(), created: existsSync(ledgerFile) }).toEqual({
      code: 1,
      stderr: `No SQLite usage ledger at ${ledgerFile}: name it with --db-path or usage.db_path.`,
      created: false,
    });
  });

  it('exits 1 naming a file that is not a SQLite database', async () => {
    const notALedger = path.join(dir, 'not-a-ledger.db');
    await writeFile(notALedger, 'providers: {}\n'.repeat(200));
    const { code, stderr } = await migrate(await configFor('not-a-ledger', notALedger, 'postgres://tokenpak@127.0.0.1:9/ledger'));
    expect({ code, stderr: stderr.trim() }).toEqual({ code: 1, stderr: `${notALedger} cannot be read as a SQLite usage ledger: file is not a database` });
  });

  it.each([
    [['--from', 'postgres', '--to', 'sqlite'], '--from postgres --to sqlite'],
    [['--from', 'sqlite'], '--from sqlite --to (none)'],
  ])('exits 1 naming what it supports when given %j', async (args, named) => {
    const { code, stderr } = await runCli(['usage', 'migrate', ...args]);
    expect({ code, stderr: stderr.trim() }).toEqual({ code: 1, stderr: `tokenpak usage migrate copies from sqlite to postgres only: give --from sqlite --to postgres (got ${named})` });
  });

  it('prints its own help, and the top-level help lists it', async () => {
    const own = await runCli(['usage', 'migrate', '--help']);
    const top = await runCli(['--help']);
    expect({ own: own.stdout.startsWith('Usage: tokenpak usage migrate --from sqlite --to postgres'), top: top.stdout.includes('usage migrate --from sqlite --to postgres') }).toEqual({ own: true, top: true });
  });
});

async function openPostgresLedger(url: string): Promise<UsageLedger> {
  return PostgresLedger.open({ url, poolSize: 3, retentionDays: undefined, spoolPath: ':memory:', spoolMaxRows: 1000, logger: pino({ level: 'silent' }) });
}
