import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../../bench/lib/postgres-server.mjs';
import { capturingLogger, eventually, ledgerRow } from '../../../test/support/postgres-ledger-support.js';
import { latencyBin } from '../latency-histogram.js';
import { LedgerRowSkippedError, type LedgerRow, type UsageGroup, type UsageGrouping } from '../ledger.js';
import { LedgerSpool } from './ledger-spool.js';
import { migratePostgresLedger } from './migrations.js';
import { PostgresLedger } from './postgres-ledger.js';

const hourMs = 3_600_000;
const dayMs = 86_400_000;

let server: TestPostgres;
let dir: string;
let url: string;
const opened: Array<PostgresLedger | pg.Pool> = [];

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.destroy();
});
beforeEach(async () => {
  url = await server.createDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'tokenpak-pg-ledger-'));
});
afterEach(async () => {
  for (const item of opened.splice(0)) {
    if (item instanceof pg.Pool) await item.end();
    else await item.close();
  }
  await rm(dir, { recursive: true, force: true });
});

async function openLedger(options: { poolSize?: number; spoolPath?: string } = {}): Promise<PostgresLedger> {
  const ledger = await PostgresLedger.open({
    url,
    poolSize: options.poolSize ?? 4,
    spoolPath: options.spoolPath ?? path.join(dir, 'spool.db'),
    spoolMaxRows: 10_000,
    logger: capturingLogger().logger,
  });
  opened.push(ledger);
  return ledger;
}

function newPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  opened.push(pool);
  return pool;
}

async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Three hours of varied rows; costs and savings are multiples of 1/8 so every sum is exact whatever its order. */
function variedRows(firstHour: number): LedgerRow[] {
  const rows: LedgerRow[] = [];
  const providers = ['openai', 'anthropic', null];
  const keys: Array<[string, string | null]> = [['key-a', null], ['key-b', 'team-b'], ['key-c', 'team-b']];
  for (let i = 0; i < 90; i++) {
    const [keyId, keyName] = keys[i % 3] as [string, string | null];
    rows.push(
      ledgerRow({
        time: firstHour * hourMs + Math.floor((i / 90) * 3 * hourMs),
        requestId: `req-${i}`,
        keyId,
        keyName,
        user: i % 4 === 0 ? null : `user-${i % 4}`,
        provider: providers[i % 3] ?? null,
        model: i % 2 === 0 ? 'gpt-4o' : 'claude-sonnet',
        promptTokens: 100 + i,
        completionTokens: 10 + (i % 7),
        cachedTokens: i % 5,
        cacheWriteTokens: i % 3,
        costUsd: i % 6 === 5 ? null : (i % 8) / 8,
        savedUsd: i % 3 === 0 ? (i % 4) / 8 - 0.125 : null,
        savedTokens: i % 11,
        latencyMs: 50 + i * 37,
        status: i % 10 === 9 ? 502 : 200,
        cache: i % 4 === 1 ? 'hit' : i % 4 === 2 ? 'bypass' : 'miss',
        api: i % 2 === 0 ? 'chat' : 'messages',
      }),
    );
  }
  return rows;
}

const rowGroupOf: Record<UsageGrouping, (row: LedgerRow) => string | null> = {
  hour: (row) => `${new Date(Math.floor(row.time / hourMs) * hourMs).toISOString().slice(0, 13)}:00:00Z`,
  model: (row) => row.model,
  provider: (row) => row.provider,
  key: (row) => row.keyName ?? row.keyId,
  user: (row) => row.user,
  cache: (row) => row.cache,
  api: (row) => row.api,
};

/** What the usage report must say, aggregated here from the rows themselves. */
function expectedUsage(rows: LedgerRow[], since: number, groupBy: UsageGrouping, keyId?: string): UsageGroup[] {
  const groups = new Map<string | null, UsageGroup & { priced: number; saved: number }>();
  for (const row of rows) {
    if (row.time < since || (keyId !== undefined && row.keyId !== keyId)) continue;
    const name = rowGroupOf[groupBy](row);
    let group = groups.get(name);
    if (!group) {
      group = { group: name, requests: 0, prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, cache_write_tokens: 0, cost_usd: 0, unpriced_requests: 0, saved_usd: 0, saved_tokens: 0, priced: 0, saved: 0 };
      groups.set(name, group);
    }
    group.requests++;
    group.prompt_tokens += row.promptTokens;
    group.completion_tokens += row.completionTokens;
    group.cached_tokens += row.cachedTokens;
    group.cache_write_tokens += row.cacheWriteTokens;
    group.saved_tokens += row.savedTokens;
    if (row.costUsd === null) group.unpriced_requests++;
    else (group.cost_usd = (group.cost_usd ?? 0) + row.costUsd), group.priced++;
    if (row.savedUsd !== null) (group.saved_usd = (group.saved_usd ?? 0) + row.savedUsd), group.saved++;
  }
  return [...groups.values()]
    .map(({ priced, saved, ...group }) => ({ ...group, cost_usd: priced > 0 ? group.cost_usd : null, saved_usd: saved > 0 ? group.saved_usd : null }))
    .sort((a, b) => (a.group === b.group ? 0 : a.group === null ? -1 : b.group === null ? 1 : a.group < b.group ? -1 : 1));
}

describe('PostgresLedger', () => {
  it('reports every grouping with the figures of the rows themselves, reading rollups for whole hours', async () => {
    const ledger = await openLedger();
    const firstHour = Math.floor(Date.now() / hourMs) - 5;
    const rows = variedRows(firstHour);
    await Promise.all(rows.map((row) => ledger.record(row)));

    const since = firstHour * hourMs + 1_234_567;
    for (const groupBy of ['hour', 'model', 'provider', 'key', 'user', 'cache', 'api'] as const) {
      expect(await ledger.usage(since, groupBy), groupBy).toEqual(expectedUsage(rows, since, groupBy));
      expect(await ledger.usage(since, groupBy, 'key-b'), `${groupBy} of key-b`).toEqual(expectedUsage(rows, since, groupBy, 'key-b'));
    }
  });

  it('keeps the rollups equal to an aggregate of the raw rows', async () => {
    const ledger = await openLedger();
    await Promise.all(variedRows(Math.floor(Date.now() / hourMs) - 3).map((row) => ledger.record(row)));

    const fromRows = await sql(`SELECT time / ${hourMs} AS hour, COALESCE(provider, '') AS provider, model, key_id, COALESCE(key_name, '') AS key_name,
        count(*) AS requests, count(*) FILTER (WHERE status >= 400) AS errors, count(*) FILTER (WHERE cache = 'hit') AS cache_hits,
        sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cached_tokens) AS cached_tokens,
        sum(cache_write_tokens) AS cache_write_tokens, COALESCE(sum(cost_usd), 0) AS cost_usd, count(cost_usd) AS priced_requests,
        COALESCE(sum(saved_usd), 0) AS saved_usd, count(saved_usd) AS saved_requests, sum(saved_tokens) AS saved_tokens
      FROM requests GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`);
    const rollups = await sql(`SELECT hour, provider, model, key_id, key_name, requests, errors, cache_hits, prompt_tokens, completion_tokens,
        cached_tokens, cache_write_tokens, cost_usd, priced_requests, saved_usd, saved_requests, saved_tokens
      FROM usage_hourly ORDER BY 1, 2, 3, 4, 5`);
    expect(rollups.length).toBeGreaterThan(10);
    expect(rollups.map((row) => ({ ...row, requests: String(row.requests) }))).toEqual(fromRows.map((row) => ({ ...row, requests: String(row.requests) })));
  });

  it("answers the dashboard's reads with numbers, newest requests first", async () => {
    const ledger = await openLedger();
    const firstHour = Math.floor(Date.now() / hourMs) - 4;
    const rows = variedRows(firstHour);
    for (const row of rows) await ledger.record(row);
    const since = firstHour * hourMs;

    const page = await ledger.queries.requests({ since, provider: 'openai' }, 5);
    const openai = rows.filter((row) => row.provider === 'openai');
    expect(page.map((row) => row.request_id)).toEqual(openai.slice(-5).reverse().map((row) => row.requestId));
    expect(page[0]).toMatchObject({ key: 'key-b' === openai.at(-1)?.keyId ? 'team-b' : openai.at(-1)?.keyId, prompt_tokens: openai.at(-1)?.promptTokens, time: openai.at(-1)?.time });
    expect(typeof page[0]?.id).toBe('number');
    const nextPage = await ledger.queries.requests({ since, provider: 'openai' }, 5, page.at(-1)?.id);
    expect(nextPage.map((row) => row.request_id)).toEqual(openai.slice(-10, -5).reverse().map((row) => row.requestId));
    expect(await ledger.queries.hasMoreThan({ since, provider: 'openai' }, openai.length - 1)).toBe(true);
    expect(await ledger.queries.hasMoreThan({ since, provider: 'openai' }, openai.length)).toBe(false);
    expect(await ledger.queries.nextId()).toBe(Math.max(...(await ledger.queries.requests({ since }, 1)).map((row) => row.id)) + 1);

    const totals = await ledger.queries.hourlyTotals({ since, status: { min: 200, max: 599 } }, 'none');
    expect(totals.map((hour) => [hour.hour, hour.group, hour.requests, hour.errors, hour.cache_hits])).toEqual(
      [0, 1, 2].map((offset) => {
        const inHour = rows.filter((row) => Math.floor(row.time / hourMs) === firstHour + offset);
        return [firstHour + offset, null, inHour.length, inHour.filter((row) => row.status >= 400).length, inHour.filter((row) => row.cache === 'hit').length];
      }),
    );
    expect(totals.reduce((sum, hour) => sum + hour.cost_usd, 0)).toBe(rows.reduce((sum, row) => sum + (row.costUsd ?? 0), 0));

    const bins = await ledger.queries.hourlyLatencyBins({ since }, 'provider');
    expect(bins.reduce((sum, bin) => sum + bin.requests, 0)).toBe(rows.length);
    const firstRow = rows[0] as LedgerRow;
    expect(bins).toContainEqual(expect.objectContaining({ hour: firstHour, group: firstRow.provider, bin: latencyBin(firstRow.latencyMs) }));

    const spendByKey = await ledger.queries.spendByKey(since, 10);
    const spendOf = (keyId: string) => rows.filter((row) => row.keyId === keyId).reduce((sum, row) => sum + (row.costUsd ?? 0), 0);
    expect(spendByKey).toEqual(
      [
        { keyId: 'key-a', keyName: null, spent: spendOf('key-a') },
        { keyId: 'key-b', keyName: 'team-b', spent: spendOf('key-b') },
        { keyId: 'key-c', keyName: 'team-b', spent: spendOf('key-c') },
      ].sort((a, b) => b.spent - a.spent || (a.keyId < b.keyId ? -1 : 1)),
    );
    const spend = await ledger.spendSince(since);
    expect([spend.total, spend.byKey.get('key-b')]).toEqual([spendOf('key-a') + spendOf('key-b') + spendOf('key-c'), spendOf('key-b')]);
    expect(spend.byKeyUser.find((entry) => entry.keyId === 'key-a' && entry.user === 'user-3')?.spent).toBe(
      rows.filter((row) => row.keyId === 'key-a' && row.user === 'user-3').reduce((sum, row) => sum + (row.costUsd ?? 0), 0),
    );
  });

  it('writes rows recorded together in statements of up to 1000 rows', async () => {
    const ledger = await openLedger({ poolSize: 3 });
    await sql(`CREATE TABLE statements (count integer NOT NULL);
      INSERT INTO statements VALUES (0);
      CREATE FUNCTION count_statement() RETURNS trigger AS $$ BEGIN UPDATE statements SET count = count + 1; RETURN NULL; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER count_statements AFTER INSERT ON requests FOR EACH STATEMENT EXECUTE FUNCTION count_statement();`);

    await Promise.all(Array.from({ length: 5000 }, (_, i) => ledger.record(ledgerRow({ requestId: `req-${i}` }))));

    expect(await sql('SELECT (SELECT count FROM statements) AS statements, (SELECT count(*)::int FROM requests) AS rows')).toEqual([{ statements: 5, rows: 5000 }]);
  });

  it('gives each row a time-ordered id (UUID version 7), so the row_id index grows at its end', async () => {
    const ledger = await openLedger();
    for (let i = 0; i < 3; i++) await ledger.record(ledgerRow({ requestId: `req-${i}` }));

    const ids = (await sql<{ row_id: string }>('SELECT row_id::text FROM requests ORDER BY id')).map((row) => row.row_id);

    expect(ids.map((id) => id[14])).toEqual(['7', '7', '7']);
    const milliseconds = ids.map((id) => id.slice(0, 13));
    expect(milliseconds).toEqual([...milliseconds].sort());
  });

  it('skips only the row PostgreSQL refuses, without quoting its values', async () => {
    const ledger = await openLedger();
    await sql(`CREATE FUNCTION refuse_poison() RETURNS trigger AS $$
        BEGIN IF NEW.request_id = 'poison' THEN RAISE EXCEPTION 'poisoned row' USING DETAIL = 'value ' || NEW.key_id; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER refuse_poison BEFORE INSERT ON requests FOR EACH ROW EXECUTE FUNCTION refuse_poison();`);

    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => ledger.record(ledgerRow({ requestId: i === 4 ? 'poison' : `req-${i}`, keyId: 'secret-key-hash' }))),
    );

    const refused = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected').map((outcome) => outcome.reason as Error);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(LedgerRowSkippedError);
    expect(refused[0]?.message).toBe('the usage ledger skipped the row of request poison: P0001 poisoned row');
    expect(refused[0]?.cause).toBeUndefined();
    expect(await sql('SELECT count(*)::int AS rows, (SELECT sum(requests)::int FROM usage_hourly) AS rolled_up FROM requests')).toEqual([{ rows: 9, rolled_up: 9 }]);
  });

  it('applies each migration once when several replicas start at once', async () => {
    await Promise.all([migratePostgresLedger(newPool()), migratePostgresLedger(newPool()), migratePostgresLedger(newPool())]);
    await Promise.all([openLedger(), openLedger({ spoolPath: path.join(dir, 'b.db') }), openLedger({ spoolPath: path.join(dir, 'c.db') })]);

    expect(await sql('SELECT version FROM tokenpak_schema_migrations ORDER BY version')).toEqual([{ version: 1 }]);
    expect(await sql("SELECT count(*)::int AS tables FROM information_schema.tables WHERE table_name IN ('requests', 'usage_hourly', 'tokenpak_ledger_imports')")).toEqual([{ tables: 3 }]);
  });

  it('counts a batch once however often it is replayed after an unknown outcome', async () => {
    const ledger = await openLedger();
    const rows = Array.from({ length: 30 }, (_, i) => ({ ...ledgerRow({ requestId: `req-${i}` }), rowId: crypto.randomUUID() }));
    await Promise.all(rows.map((row) => ledger.record(row)));

    for (const round of [1, 2]) {
      const spoolPath = path.join(dir, `replay-${round}.db`);
      const spool = LedgerSpool.open(spoolPath, 100);
      spool.append(rows);
      spool.close();
      const replaying = await openLedger({ spoolPath });
      expect(replaying.health().spooledRows).toBe(0);
    }

    expect(await sql('SELECT count(*)::int AS rows, (SELECT sum(requests)::int FROM usage_hourly) AS rolled_up FROM requests')).toEqual([{ rows: 30, rolled_up: 30 }]);
  });

  it('replays the rows an earlier run spooled before open resolves, so the spend budgets resume from includes them', async () => {
    const spoolPath = path.join(dir, 'earlier-run.db');
    const spool = LedgerSpool.open(spoolPath, 10_000);
    spool.append(Array.from({ length: 2500 }, (_, i) => ({ ...ledgerRow({ requestId: `spooled-${i}`, costUsd: 0.25 }), rowId: crypto.randomUUID() })));
    spool.close();

    const ledger = await openLedger({ spoolPath });

    expect([ledger.health().spooledRows, (await ledger.spendSince(0)).total]).toEqual([0, 625]);
  });

  it('sends the rest of a batch to the spool when PostgreSQL goes away while its rows are retried one by one', async () => {
    const ledger = await openLedger();
    // The poison row sends the batch row by row; the next row ends its own session, as a shutdown would.
    await sql(`CREATE FUNCTION refuse_or_end_session() RETURNS trigger AS $$ BEGIN
        IF NEW.request_id = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF;
        IF NEW.request_id = 'end-session' THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
        RETURN NEW; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER refuse_or_end_session BEFORE INSERT ON requests FOR EACH ROW EXECUTE FUNCTION refuse_or_end_session();`);
    const requestIds = ['first', 'poison', 'end-session', ...Array.from({ length: 7 }, (_, i) => `later-${i}`)];

    const outcomes = await Promise.allSettled(requestIds.map((requestId) => ledger.record(ledgerRow({ requestId }))));

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', ...Array(8).fill('fulfilled')]);
    // The spool's first row ends every replay's session: what it holds stays put for the assertion.
    expect([ledger.health().spooledRows, await sql('SELECT request_id FROM requests')]).toEqual([8, [{ request_id: 'first' }]]);
  });

  it('keeps writing and reading while a slow read holds the read connection', async () => {
    const { logger, lines } = capturingLogger();
    const ledger = await PostgresLedger.open({ url, poolSize: 2, spoolPath: path.join(dir, 'spool.db'), spoolMaxRows: 100, logger });
    opened.push(ledger);
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    await blocker.query('BEGIN; LOCK TABLE requests IN ACCESS EXCLUSIVE MODE');

    const waitingOnTheLock = async () => (await sql<{ waiting: number }>("SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))[0]?.waiting;
    const reads = Array.from({ length: 3 }, () => ledger.spendSince(0));
    await eventually(async () => (await waitingOnTheLock()) === 1);
    // Longer than a connection may be waited for (2 s): a read queued behind a busy connection would fail by now.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    // The write starts only now, so that its own wait stays far inside its 5 s statement timeout however slow this machine is.
    const write = ledger.record(ledgerRow({ requestId: 'during-slow-read' }));
    await eventually(async () => (await waitingOnTheLock()) === 2);
    await blocker.query('COMMIT');
    await blocker.end();

    const outcomes = await Promise.allSettled([...reads, write]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(4).fill('fulfilled'));
    expect([ledger.health().spooledRows, lines.filter((line) => line.includes('local spool'))]).toEqual([0, []]);
  });

  it('prunes old raw rows and keeps their rollups', async () => {
    const ledger = await openLedger();
    const now = Date.now();
    const oldHour = Math.floor((now - 100 * dayMs) / hourMs);
    await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => ledger.record(ledgerRow({ requestId: `old-${i}`, time: oldHour * hourMs + i }))),
      ...Array.from({ length: 3 }, (_, i) => ledger.record(ledgerRow({ requestId: `new-${i}`, time: now }))),
    ]);

    expect(await ledger.pruneBefore(now - 90 * dayMs)).toBe(12);

    expect(await sql('SELECT count(*)::int AS rows FROM requests')).toEqual([{ rows: 3 }]);
    expect((await ledger.usage(oldHour * hourMs, 'model')).map((group) => group.requests)).toEqual([15]);
  });

  it('leaves pruning to the replica holding the prune lock', async () => {
    const ledger = await openLedger();
    await ledger.record(ledgerRow({ time: Date.now() - 100 * dayMs }));
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [0x746f6b70 + 1]);
      expect(await ledger.pruneBefore(Date.now())).toBe(0);
    } finally {
      await other.end();
    }
    expect(await ledger.pruneBefore(Date.now())).toBe(1);
  });
});
